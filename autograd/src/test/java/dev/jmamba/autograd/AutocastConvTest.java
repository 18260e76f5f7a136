package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Autocast's dense conv2d on the CPU (the reference of the GPU's tensor-core conv): bf16-rounded
 * operands saved for backward, float32 products and accumulation, float32 result and gradients;
 * grouped and depthwise convs stay float32.
 *
 * <p>Oracle: the float64 conv of the rounded operands (the rounded gradient for dx and dw). The
 * product of two bf16 values is exact in float32, so the only error is the float32 summation of the
 * k = C/groups·kh·kw (forward, dw: N·OH·OW) terms of each output: ≤ (k + 2)·2⁻²⁴·Σ|terms|, with
 * Σ|terms| the float64 conv of the operands' absolute values.
 */
class AutocastConvTest {
    private static final ConvParams STRIDE2 = new ConvParams(2, 2, 1, 1, 1, 1, 1);   // the stems' 3×3 stride-2 conv

    @Test void aDenseConvMultipliesTheBf16ValuesSavesThemAndReturnsFloat32() {
        Tensor x = Tensor.randn(1, 3, 4, 9, 11), w = Tensor.randn(2, 5, 4, 3, 3), b = Tensor.randn(3, 5);
        Tensor gy = Tensor.randn(4, 3, 5, 5, 6);
        Var vx = Var.of(x).requiresGrad(true), vw = Var.of(w).requiresGrad(true), vb = Var.of(b).requiresGrad(true);
        Var y;
        try (var scope = Autocast.bf16()) {
            y = vx.conv2d(vw, vb, STRIDE2);
        }
        assertEquals(DType.F32, y.dtype(), "a lowered conv returns float32");
        int savedBf16 = 0;
        for (Tensor saved : y.node.saved) {
            if (saved != null) { assertEquals(DType.BF16, saved.dtype(), "the node keeps the bf16 operands"); savedBf16++; }
        }
        assertEquals(2, savedBf16, "x and w saved (both want gradients)");
        Tensor xr = rounded(x), wr = rounded(w), gr = rounded(gy);
        int k = 4 * 9;
        Tensor want = xr.conv2d(wr, b.to(DType.F64), STRIDE2), bound = xr.abs().conv2d(wr.abs(), b.to(DType.F64).abs(), STRIDE2);
        assertWithin(want, bound, k, y.value(), "forward");
        y.backward(gy);
        for (Var v : new Var[] {vx, vw, vb}) assertEquals(DType.F32, v.grad().dtype(), "float32 gradients");
        assertWithin(gr.backend().conv2dInputGrad(gr, wr, x.shape(), STRIDE2),
                gr.abs().backend().conv2dInputGrad(gr.abs(), wr.abs(), x.shape(), STRIDE2), 5 * 9, vx.grad(), "dx");
        assertWithin(gr.backend().conv2dWeightGrad(gr, xr, w.shape(), STRIDE2),
                gr.abs().backend().conv2dWeightGrad(gr.abs(), xr.abs(), w.shape(), STRIDE2), 3 * 5 * 6, vw.grad(), "dw");
        // the bias gradient sums gy itself (not its bf16 rounding), in float32
        assertWithin(gy.to(DType.F64).sum(false, 0, 2, 3), gy.to(DType.F64).abs().sum(false, 0, 2, 3), 3 * 5 * 6, vb.grad(), "db");
    }

    @Test void aDepthwiseConvStaysFloat32() {
        ConvParams depthwise = new ConvParams(1, 1, 1, 1, 1, 1, 4);
        Tensor x = Tensor.randn(5, 2, 4, 6, 6), w = Tensor.randn(6, 4, 1, 3, 3);
        Var vx = Var.of(x).requiresGrad(true), vw = Var.of(w).requiresGrad(true);
        Var y;
        try (var scope = Autocast.bf16()) {
            y = vx.conv2d(vw, null, depthwise);
        }
        for (Tensor saved : y.node.saved) if (saved != null) assertEquals(DType.F32, saved.dtype(), "depthwise saves float32");
        assertArrayEquals(x.conv2d(w, null, depthwise).toFloatArray(), y.value().toFloatArray(), "the float32 conv, bit for bit");
    }

    @Test void withoutAScopeTheConvIsUnchanged() {
        Tensor x = Tensor.randn(7, 2, 3, 7, 7), w = Tensor.randn(8, 4, 3, 3, 3);
        Var y = Var.of(x).requiresGrad(true).conv2d(Var.of(w).requiresGrad(true), null, STRIDE2);
        assertArrayEquals(x.conv2d(w, null, STRIDE2).toFloatArray(), y.value().toFloatArray());
        for (Tensor saved : y.node.saved) if (saved != null) assertEquals(DType.F32, saved.dtype());
    }

    /** t's values rounded to bf16, as float64. */
    private static Tensor rounded(Tensor t) { return t.to(DType.BF16).to(DType.F64); }

    private static void assertWithin(Tensor want, Tensor absTerms, int k, Tensor got, String what) {
        double[] w = want.toDoubleArray(), a = absTerms.toDoubleArray(), g = got.toDoubleArray();
        assertEquals(w.length, g.length, what);
        for (int i = 0; i < w.length; i++) {
            double tol = (k + 2) * 0x1p-24 * a[i] + 1e-30;
            assertTrue(Math.abs(w[i] - g[i]) <= tol, what + " " + i + ": " + w[i] + " vs " + g[i] + " (tol " + tol + ")");
        }
    }
}
