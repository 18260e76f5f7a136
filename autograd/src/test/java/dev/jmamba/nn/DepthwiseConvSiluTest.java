package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link DepthwiseConvSilu} and {@link Conv2d#forwardSilu}: finite-difference gradients of x, weight and bias, and
 * outputs and all gradients equal to the unfused composition {@code silu(conv2d(x, w, b))}.
 */
class DepthwiseConvSiluTest {
    private static Tensor randn64(long seed, int... shape) { return LayerCheck.randn64(seed, shape); }

    @Test void gradcheckEveryInput() {
        GradCheck.check(v -> DepthwiseConvSilu.apply(v[0], v[1], v[2], ConvParams.of(1, 1, 1, 3)),
                randn64(1, 2, 3, 4, 5), randn64(2, 3, 1, 3, 3), randn64(3, 3));
        GradCheck.check(v -> DepthwiseConvSilu.apply(v[0], v[1], null, ConvParams.of(2, 1, 1, 2)),   // strided, no bias
                randn64(4, 1, 2, 5, 5), randn64(5, 2, 1, 3, 3));
    }

    @Test void equalsTheUnfusedComposition() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            double tol = dt == DType.F64 ? 1e-12 : 1e-5;   // F64: same sums; F32: the float sigmoid and rounding of values ≲ 10
            Conv2d conv = new Conv2d(4, 4, 3, 1, 1, 1, 4, true, 7);
            conv.to(dt);
            Tensor x = randn64(11, 2, 4, 6, 5).to(dt), gy = randn64(12, 2, 4, 6, 5).to(dt);
            Var xf = Var.param(x.copy()), xp = Var.param(x.copy());
            Var yf = conv.forwardSilu(xf);
            yf.backward(gy);
            Tensor gw = conv.weight().var().grad().copy(), gb = conv.bias().var().grad().copy();
            conv.zeroGrad();
            Var yp = conv.forward(xp).silu();
            yp.backward(gy);
            assertEquals(0, yf.value().maxAbsDiff(yp.value()), tol, dt + " y");
            assertEquals(0, xf.grad().maxAbsDiff(xp.grad()), tol * 10, dt + " dx");
            assertEquals(0, gw.maxAbsDiff(conv.weight().var().grad()), tol * 100, dt + " dweight (sums over 60 outputs)");
            assertEquals(0, gb.maxAbsDiff(conv.bias().var().grad()), tol * 100, dt + " dbias");
        }
    }

    /** Autocast's bf16 activation: y bf16 (the float32 result rounded once), every gradient as for the widened x. */
    @Test void bf16InputGivesBf16OutputAndFloat32Gradients() {
        Conv2d conv = new Conv2d(4, 4, 3, 1, 1, 1, 4, true, 7);
        Tensor x16 = randn64(41, 2, 4, 6, 5).to(DType.BF16), gy = randn64(42, 2, 4, 6, 5).to(DType.F32);
        Var xb = Var.param(x16.to(DType.F32)), xf = Var.param(x16.to(DType.F32));   // bf16 values, float32 leaves
        Var yb = conv.forwardSilu(xb.to(DType.BF16));                                 // the conv reads a bf16 activation
        assertEquals(DType.BF16, yb.dtype());
        yb.to(DType.F32).mul(Var.of(gy)).sum().backward();
        Tensor gw = conv.weight().var().grad().copy(), gb = conv.bias().var().grad().copy();
        conv.zeroGrad();
        Var yf = conv.forwardSilu(xf);
        yf.mul(Var.of(gy)).sum().backward();
        assertEquals(0, yb.value().maxAbsDiff(yf.value().to(DType.BF16)), 0.0, "y: the float32 result rounded once");
        assertEquals(0, xb.grad().maxAbsDiff(xf.grad()), 0.0, "dx");
        assertEquals(0, gw.maxAbsDiff(conv.weight().var().grad()), 0.0, "dweight");
        assertEquals(0, gb.maxAbsDiff(conv.bias().var().grad()), 0.0, "dbias");
    }

    @Test void nonDepthwiseConvsFallBackToTheComposition() {
        Conv2d dense = new Conv2d(2, 3, 3, 1, 1, 1, 1, false, 9);
        dense.to(DType.F64);
        Var x = Var.of(randn64(21, 1, 2, 4, 4));
        assertEquals(0, dense.forwardSilu(x).value().maxAbsDiff(dense.forward(x).silu().value()), 0.0);
        assertNull(dense.bias());
    }

    @Test void rejectsNonDepthwiseShapes() {
        var e = assertThrows(JmambaException.class, () -> DepthwiseConvSilu.apply(Var.of(randn64(31, 1, 4, 3, 3)),
                Var.of(randn64(32, 4, 2, 3, 3)), null, ConvParams.of(1, 1, 1, 4)));
        assertTrue(e.getMessage().contains("weight (C, 1, kh, kw)"), e.getMessage());
    }
}
