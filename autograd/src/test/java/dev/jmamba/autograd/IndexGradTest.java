package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.ints;
import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradchecks of gather / scatterAdd / indexSelect / indexAdd, with repeated indices (gradients must add up). */
class IndexGradTest {

    @Test
    void gatherWithRepeatsAndSmallerIndex() {
        Tensor index = ints(new int[] {0, 2, 2, 1, 1, 1, 3, 0}, 2, 4);
        GradCheck.check(v -> v[0].gather(1, index.narrow(1, 0, 3)), transposed(1, 3, 4)); // x (3, 4), strided index (2, 3)
        Tensor rows = ints(new int[] {2, 0, 2, 1, 2, 2}, 2, 3);
        GradCheck.check(v -> v[0].gather(0, rows), randn(2, 3, 4));
    }

    @Test
    void scatterAddIntoTargetFromSource() {
        Tensor index = ints(new int[] {0, 1, 0, 3, 3, 3}, 2, 3).to(DType.I64);
        GradCheck.check(v -> v[0].scatterAdd(1, index, v[1]), transposed(3, 2, 4), randn(4, 2, 3));
    }

    @Test
    void indexSelectWithRepeats() {
        Tensor index = ints(new int[] {3, 0, 3, 1, 3}, 5);
        GradCheck.check(v -> v[0].indexSelect(1, index), transposed(5, 2, 4));
        GradCheck.check(v -> v[0].indexSelect(0, index.narrow(0, 0, 3)), randn(6, 4, 3));
    }

    @Test
    void indexAddIntoTargetFromSource() {
        Tensor index = ints(new int[] {2, 0, 2}, 3);
        GradCheck.check(v -> v[0].indexAdd(0, index, v[1]), randn(7, 3, 4), transposed(8, 3, 4));
    }
}
