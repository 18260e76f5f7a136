package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradchecks of matmul (all rank cases, broadcast batch dims) and of conv2d / conv1d. */
class LinearGradTest {

    @Test
    void matmul2d() {
        GradCheck.check(v -> v[0].matmul(v[1]), randn(1, 3, 4), randn(2, 4, 5));
        GradCheck.check(v -> v[0].matmul(v[1]), transposed(3, 3, 4), transposed(4, 4, 2));
    }

    /** Batch dims broadcast: (2, 1, 3, 4) @ (5, 4, 2) → (2, 5, 3, 2); each grad is summed back over them. */
    @Test
    void matmulBatchedBroadcast() {
        GradCheck.check(v -> v[0].matmul(v[1]), randn(5, 2, 1, 3, 4), randn(6, 5, 4, 2));
        GradCheck.check(v -> v[0].matmul(v[1]), randn(7, 3, 4), randn(8, 2, 4, 2)); // 2-D @ batched
        GradCheck.check(v -> v[0].matmul(v[1]), randn(9, 4, 2, 3).permute(1, 2, 0), randn(10, 2, 4, 5)); // non-contiguous batched
    }

    @Test
    void matmulWithVectors() {
        GradCheck.check(v -> v[0].matmul(v[1]), randn(11, 4), randn(12, 4, 3));       // (4) @ (4, 3) → (3)
        GradCheck.check(v -> v[0].matmul(v[1]), transposed(13, 3, 4), randn(14, 4));  // (3, 4) @ (4) → (3)
        GradCheck.check(v -> v[0].matmul(v[1]), randn(15, 4), randn(16, 4));          // dot → ()
        GradCheck.check(v -> v[0].matmul(v[1]), randn(17, 2, 3, 4), randn(18, 4));    // batched @ vector
        GradCheck.check(v -> v[0].matmul(v[1]), randn(19, 4), randn(20, 2, 4, 3));    // vector @ batched
    }

    @Test
    void conv2dWithBiasStridePaddingDilation() {
        ConvParams p = new ConvParams(2, 1, 1, 2, 1, 2, 1);
        GradCheck.check(v -> v[0].conv2d(v[1], v[2], p), randn(21, 2, 3, 6, 5), randn(22, 4, 3, 3, 2), randn(23, 4));
    }

    @Test
    void conv2dGroupedNoBiasNonContiguousInput() {
        ConvParams p = ConvParams.of(1, 1, 1, 2);
        var x = randn(24, 2, 5, 4, 4).permute(0, 1, 3, 2).narrow(1, 0, 4); // (2, 4, 4, 5), non-contiguous
        GradCheck.check(v -> v[0].conv2d(v[1], null, p), x, randn(25, 6, 2, 3, 3));
    }

    @Test
    void conv2dDepthwise() {
        ConvParams p = ConvParams.of(1, 1, 1, 3);
        GradCheck.check(v -> v[0].conv2d(v[1], v[2], p), randn(26, 1, 3, 5, 5), randn(27, 3, 1, 3, 3), randn(28, 3));
    }

    @Test
    void conv1d() {
        // causal depthwise conv as in Mamba: padding k-1, groups = channels
        GradCheck.check(v -> v[0].conv1d(v[1], v[2], 1, 3, 1, 4), randn(29, 2, 4, 7), randn(30, 4, 1, 4), randn(31, 4));
        GradCheck.check(v -> v[0].conv1d(v[1], null, 2, 1, 2, 1), randn(32, 7, 3, 2).permute(2, 1, 0), randn(33, 5, 3, 2)); // x (2, 3, 7) non-contiguous
    }

    @Test
    void matmulAfterAnActivationGradchecks() {
        for (dev.jmamba.tensor.UnaryOp act : new dev.jmamba.tensor.UnaryOp[] {
                dev.jmamba.tensor.UnaryOp.GELU, dev.jmamba.tensor.UnaryOp.SILU, dev.jmamba.tensor.UnaryOp.TANH}) {
            GradCheck.check(v -> v[0].matmulAfter(act, v[1]), randn(40, 2, 3, 5), randn(41, 5, 4));
            GradCheck.check(v -> v[0].matmulAfter(act, v[1].transpose(0, 1)), randn(42, 3, 5), randn(43, 4, 5));
            // with the previous layer's bias folded in (an MLP's fc2 after fc1's bias and activation): x, bias and w
            GradCheck.check(v -> v[0].matmulAfter(act, v[1], v[2].transpose(0, 1)), randn(44, 2, 3, 5), randn(45, 5), randn(46, 4, 5));
        }
    }

    /** The fused node recomputes exactly what the two-node graph keeps: bit-identical values and gradients. */
    @Test
    void matmulAfterEqualsActivationThenMatmulExactly() {
        Tensor x0 = randn(44, 2, 6, 8), w0 = randn(45, 8, 3), gy = randn(46, 2, 6, 3);
        Var x1 = Var.param(x0.copy()), w1 = Var.param(w0.copy());
        Var y1 = x1.gelu().matmul(w1);
        y1.backward(gy);
        Var x2 = Var.param(x0.copy()), w2 = Var.param(w0.copy());
        Var y2 = Activations.region(() -> x2.matmulAfter(dev.jmamba.tensor.UnaryOp.GELU, w2));
        y2.backward(gy);
        org.junit.jupiter.api.Assertions.assertArrayEquals(y1.value().toDoubleArray(), y2.value().toDoubleArray());
        org.junit.jupiter.api.Assertions.assertArrayEquals(x1.grad().toDoubleArray(), x2.grad().toDoubleArray());
        org.junit.jupiter.api.Assertions.assertArrayEquals(w1.grad().toDoubleArray(), w2.grad().toDoubleArray());
        var bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> x2.matmulAfter(dev.jmamba.tensor.UnaryOp.EXP, w2));
        org.junit.jupiter.api.Assertions.assertTrue(bad.getMessage().contains("matmulAfter"), bad.getMessage());
    }
}
