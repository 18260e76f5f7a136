package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.op;
import static dev.jmamba.autograd.Fixtures.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradchecks of reductions and softmax, over several axis sets, keepdim on and off, non-contiguous inputs. */
class ReductionGradTest {
    /** (2, 3, 4) viewed from a (4, 2, 3) tensor: non-contiguous. */
    private static Tensor permuted(long seed) { return randn(seed, 4, 2, 3).permute(1, 2, 0); }

    @Test
    void sumAndMean() {
        for (boolean keep : new boolean[] {false, true}) {
            GradCheck.check(op(v -> v.sum(keep, 1)), randn(1, 2, 3, 4));
            GradCheck.check(op(v -> v.sum(keep, 0, -1)), permuted(2));
            GradCheck.check(op(v -> v.mean(keep, 2)), permuted(3));
            GradCheck.check(op(v -> v.mean(keep, 0, 1)), randn(4, 2, 3, 4));
        }
        GradCheck.check(op(Var::sum), permuted(5));
        GradCheck.check(op(Var::mean), permuted(6));
    }

    @Test
    void maxAndMin() {
        for (boolean keep : new boolean[] {false, true}) {
            GradCheck.check(op(v -> v.max(keep, 1)), permuted(7));
            GradCheck.check(op(v -> v.max(keep, 0, 2)), randn(8, 2, 3, 4));
            GradCheck.check(op(v -> v.min(keep, -1)), permuted(9));
        }
        GradCheck.check(op(v -> v.max(false)), permuted(10));
    }

    /** Tied maxima share the gradient equally: the shares add up to the output gradient. */
    @Test
    void maxSplitsTheGradientEvenlyAmongTies() {
        Var x = Var.param(Tensor.of(new double[] {3, 1, 3, 3, 2, 0, 2, 5}, 2, 4));
        x.max(false, 1).backward(Tensor.of(new double[] {6, 10}, 2));
        assertArrayEquals(new double[] {2, 0, 2, 2, 0, 0, 0, 10}, x.grad().toDoubleArray());
    }

    @Test
    void variance() {
        for (boolean unbiased : new boolean[] {false, true}) {
            for (boolean keep : new boolean[] {false, true}) {
                GradCheck.check(op(v -> v.var(unbiased, keep, 1)), permuted(11));
                GradCheck.check(op(v -> v.var(unbiased, keep, 0, 2)), randn(12, 2, 3, 4));
            }
            GradCheck.check(op(v -> v.var(unbiased, false)), permuted(13));
        }
    }

    @Test
    void softmaxAndLogSoftmax() {
        for (int axis : new int[] {0, 1, -1}) {
            GradCheck.check(op(v -> v.softmax(axis)), permuted(14));
            GradCheck.check(op(v -> v.logSoftmax(axis)), permuted(15));
            GradCheck.check(op(v -> v.mul(3).logSoftmax(axis)), randn(16, 2, 3, 4));
        }
    }
}
