package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.op;
import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Gradchecks of views and data movement. Each op is followed by a multiplication with a fixed
 * random tensor inside GradCheck's projection, so any misplaced gradient element is caught.
 */
class ViewGradTest {
    private static Tensor permuted(long seed) { return randn(seed, 4, 2, 3).permute(1, 2, 0); } // (2, 3, 4), non-contiguous

    @Test
    void reshapeViewSqueezeUnsqueezeContiguous() {
        GradCheck.check(op(v -> v.reshape(4, -1)), randn(1, 2, 3, 4));
        GradCheck.check(op(v -> v.reshape(6, 4)), permuted(2)); // copies: strides do not allow a view
        GradCheck.check(op(v -> v.view(6, 4)), randn(3, 2, 3, 4));
        GradCheck.check(op(v -> v.unsqueeze(1).unsqueeze(-1)), permuted(4));
        GradCheck.check(op(v -> v.squeeze(1)), randn(5, 3, 1, 4));
        GradCheck.check(op(Var::contiguous), permuted(6));
    }

    @Test
    void permuteAndTranspose() {
        GradCheck.check(op(v -> v.permute(2, 0, 1)), permuted(7));
        GradCheck.check(op(v -> v.permute(-1, 1, 0)), randn(8, 2, 3, 4));
        GradCheck.check(op(v -> v.transpose(0, -1)), permuted(9));
    }

    @Test
    void narrowSliceSelect() {
        GradCheck.check(op(v -> v.narrow(2, 1, 2)), permuted(10));
        GradCheck.check(op(v -> v.slice(2, 0, 4, 2)), permuted(11));
        GradCheck.check(op(v -> v.slice(1, -2, 3, 1)), randn(12, 2, 3, 4));
        GradCheck.check(op(v -> v.select(1, -1)), permuted(13));
        GradCheck.check(op(v -> v.select(0, 1)), transposed(14, 3, 4));
    }

    @Test
    void expandAndFlip() {
        GradCheck.check(op(v -> v.expand(2, 3, 4, 5)), randn(15, 3, 1, 5));
        GradCheck.check(op(v -> v.expand(-1, 4)), Fixtures.sliced(16, 3, 1));
        GradCheck.check(op(v -> v.flip(0, 2)), permuted(17));
        GradCheck.check(op(v -> v.flip(-1)), transposed(18, 3, 4));
    }

    @Test
    void padPositiveAndNegative() {
        GradCheck.check(op(v -> v.pad(0.5, 1, 2)), permuted(19));
        GradCheck.check(op(v -> v.pad(0, 1, -1, -1, 2)), permuted(20)); // last dim: +1 / -1, middle dim: -1 / +2
    }

    @Test
    void catStackSplitChunk() {
        GradCheck.check(v -> Var.cat(1, v[0], v[1], v[2]), randn(21, 2, 2, 4), permuted(22), randn(23, 2, 1, 4));
        GradCheck.check(v -> Var.stack(0, v[0], v[1]), transposed(24, 3, 4), randn(25, 3, 4));
        GradCheck.check(v -> Var.stack(-1, v[0], v[1]), transposed(26, 3, 4), randn(27, 3, 4));
        GradCheck.check(op(v -> {
            Var[] parts = v.split(2, 1, 3);
            return parts[1].mul(parts[0]);   // (2, 3, 3) * (2, 3, 1)
        }), permuted(28));
        GradCheck.check(op(v -> {
            Var[] parts = v.chunk(3, 1);     // sizes 2, 2, 1 along dim 1 of (3, 5)
            assertEquals(3, parts.length);
            return Var.cat(1, parts[2], parts[0].exp());
        }), transposed(29, 3, 5));
    }
}
