package dev.jmamba.ssm.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv1d;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;

/**
 * {@link CausalConv1d} on the CPU: finite-difference gradients in float64, agreement with the composed
 * path it replaces ({@code Conv1d.causalDepthwise} then {@code silu}), a hand-computed case, bad inputs.
 */
class CausalConv1dTest {

    static Tensor random(long seed, DType dtype, int... shape) {
        return RandomTensors.gaussian(seed, shape).to(dtype);
    }

    @Test void gradchecks() {
        // (B, D, L, K): typical K = 4, K = 1, and K longer than the sequence
        int[][] cases = {{2, 3, 7, 4}, {1, 2, 5, 1}, {2, 2, 3, 5}};
        long seed = 1;
        for (int[] c : cases) {
            for (boolean silu : new boolean[] {true, false}) {
                Tensor x = random(seed++, DType.F64, c[0], c[1], c[2]);
                Tensor w = random(seed++, DType.F64, c[1], 1, c[3]);
                Tensor bias = random(seed++, DType.F64, c[1]);
                GradCheck.check(v -> CausalConv1d.apply(v[0], v[1], v[2], silu), x, w, bias);
                GradCheck.check(v -> CausalConv1d.apply(v[0], v[1], null, silu), x, w);
                GradCheck.check(v -> CausalConv1d.apply(v[0], v[1], v[2], silu, true), x, w, bias);   // reverse (anti-causal)
            }
        }
    }

    @Test void reverseIsTheAntiCausalConv() {
        // y[b,d,l] = silu(bias[d] + Σ_k w[d,k]·x[b,d,l + K − 1 − k]) (x = 0 past L), plain float64 loops
        int bn = 2, dn = 3, ln = 9, kn = 4;
        Tensor x = random(11, DType.F64, bn, dn, ln), w = random(12, DType.F64, dn, 1, kn), bias = random(13, DType.F64, dn);
        double[] xs = x.toDoubleArray(), ws = w.toDoubleArray(), bs = bias.toDoubleArray();
        double[] y = CausalConv1d.apply(Var.of(x), Var.of(w), Var.of(bias), true, true).value().toDoubleArray();
        for (int b = 0; b < bn; b++) for (int d = 0; d < dn; d++) for (int l = 0; l < ln; l++) {
            double pre = bs[d];
            for (int k = 0; k < kn; k++) {
                int at = l + kn - 1 - k;
                if (at < ln) pre += ws[d * kn + k] * xs[(b * dn + d) * ln + at];
            }
            assertEquals(pre / (1 + Math.exp(-pre)), y[(b * dn + d) * ln + l], 1e-14, "(b, d, l) = " + b + ", " + d + ", " + l);
        }
    }

    @Test void equalsTheComposedConvAndSiluInFloat32() {
        int b = 3, d = 6, l = 19, k = 4;
        for (boolean withBias : new boolean[] {true, false}) {
            for (boolean silu : new boolean[] {true, false}) {
                Conv1d conv = Conv1d.causalDepthwise(d, k, withBias, 42);
                Tensor x = random(7, DType.F32, b, d, l);
                Tensor gy = random(8, DType.F32, b, d, l);
                Var xa = Var.param(x.copy()), xb = Var.param(x.copy());
                Var composed = conv.forward(xa);
                if (silu) composed = composed.silu();
                composed.backward(gy);
                Tensor dwComposed = conv.weight().var().grad().copy(), dbComposed = withBias ? conv.bias().var().grad().copy() : null;
                conv.zeroGrad();                                 // releases the gradients: copied above
                Var fused = CausalConv1d.apply(xb, conv.weight().var(), withBias ? conv.bias().var() : null, silu);
                fused.backward(gy);
                String what = (withBias ? "bias" : "no bias") + (silu ? ", silu" : "");
                // float32 (composed) against float64 (fused, rounded once): sums of K ≤ 4 products, and of
                // B·L = 57 terms for dweight/dbias; a few float32 ulps of the largest magnitude
                close(composed.value(), fused.value(), what + ": y");
                close(xa.grad(), xb.grad(), what + ": dx");
                close(dwComposed, conv.weight().var().grad(), what + ": dweight");
                if (withBias) close(dbComposed, conv.bias().var().grad(), what + ": dbias");
                assertEquals(DType.F32, fused.value().dtype());
            }
        }
    }

    /**
     * A bf16 x (autocast's BF16_IO) on the CPU: y bf16, dx float32 (the gradient type of bf16 activations). The CPU
     * computes the bf16 case in its float64 loops and the float32 one in float32 SIMD, so they agree to float32
     * rounding: 1e-5 of the largest magnitude for y (before its bf16 rounding: one bf16 step, 2⁻⁸ relative) and dx.
     */
    @Test void bf16ActivationsComeOutBf16WithFloat32Gradients() {
        Tensor x = Tensor.randn(31, 2, 3, 19).to(DType.BF16), w = Tensor.randn(32, 3, 1, 4).mul(0.5), b = Tensor.randn(33, 3);
        Tensor gy = Tensor.randn(34, 2, 3, 19);
        Var src = Var.param(x.to(DType.F32)), x32 = Var.param(x.to(DType.F32));
        Var x16 = src.to(DType.BF16);                                      // a bf16 activation (not a leaf)
        Var y16 = CausalConv1d.apply(x16, Var.of(w), Var.of(b), true), y32 = CausalConv1d.apply(x32, Var.of(w), Var.of(b), true);
        assertEquals(DType.BF16, y16.dtype());
        TensorAssert.assertClose(y32.value(), y16.value().to(DType.F32), 1e-6, 0x1p-8, "y (one bf16 rounding)");
        Tensor[] direct = CausalConvKernels.forDevice(x.device()).backward(x, w, b, true, gy, false);
        assertEquals(DType.F32, direct[0].dtype(), "the kernels' dx of a bf16 x is float32");
        y16.backward(gy);
        y32.backward(gy);
        TensorAssert.assertClose(x32.grad(), src.grad(), 1e-5, 1e-5, "dx");
    }

    @Test void handComputedCase() {
        // x = [1, 2, 3], w = [10, 20] (K = 2), bias 0.5: y = [0.5 + 20·1, 0.5 + 10·1 + 20·2, 0.5 + 10·2 + 20·3]
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 1, 1, 3), w = Tensor.of(new double[] {10, 20}, 1, 1, 2);
        Tensor bias = Tensor.of(new double[] {0.5}, 1);
        double[] y = CausalConv1d.apply(Var.of(x), Var.of(w), Var.of(bias), false).value().toDoubleArray();
        assertEquals(20.5, y[0]);
        assertEquals(50.5, y[1]);
        assertEquals(80.5, y[2]);
        double[] ys = CausalConv1d.apply(Var.of(x), Var.of(w), Var.of(bias), true).value().toDoubleArray();
        assertEquals(50.5 / (1 + Math.exp(-50.5)), ys[1], 1e-12);
    }

    @Test void badInputsAreNamed() {
        Var x = Var.of(Tensor.zeros(2, 3, 5));
        var e = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.apply(x, Var.of(Tensor.zeros(4, 1, 4)), null, true));
        assertTrue(e.getMessage().contains("(D, 1, K)") && e.getMessage().contains("D = 3") && e.getMessage().contains("[4, 1, 4]"),
                e.getMessage());
        var bias = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.apply(x, Var.of(Tensor.zeros(3, 1, 4)), Var.of(Tensor.zeros(2)), true));
        assertTrue(bias.getMessage().contains("bias") && bias.getMessage().contains("[2]"), bias.getMessage());
        var rank = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.apply(Var.of(Tensor.zeros(3, 5)), Var.of(Tensor.zeros(3, 1, 4)), null, true));
        assertTrue(rank.getMessage().contains("(B, D, L)") && rank.getMessage().contains("[3, 5]"), rank.getMessage());
    }

    private static void close(Tensor expected, Tensor actual, String what) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual, 1e-5 * Math.max(scale, 1e-6), 0, what);
    }
}
