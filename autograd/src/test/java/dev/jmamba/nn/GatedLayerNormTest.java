package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link GatedLayerNorm}: finite-difference gradients of every input, and outputs and all gradients equal to the
 * unfused composition (layer norm, SiLU of z, multiply) it replaces, with z a channel slice of a wider tensor as in
 * the mixers.
 */
class GatedLayerNormTest {
    private static Tensor randn64(long seed, int... shape) { return LayerCheck.randn64(seed, shape); }

    @Test void gradcheckEveryInput() {
        GradCheck.check(v -> GatedLayerNorm.apply(v[0], v[1], v[2], v[3], 1e-5),
                randn64(1, 2, 3, 5), randn64(2, 5), randn64(3, 5), randn64(4, 2, 3, 5));
        GradCheck.check(v -> GatedLayerNorm.apply(v[0], null, null, v[1].narrow(1, 4, 4), 1e-5),   // z a slice
                randn64(5, 3, 4), randn64(6, 3, 8));
    }

    @Test void equalsTheUnfusedComposition() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            double tol = dt == DType.F64 ? 1e-11 : 2e-5;   // F64: other summation order; F32: rounding of values ≲ 10 and sums
            Tensor x = randn64(11, 2, 5, 12).to(dt), w = randn64(12, 12).to(dt), b = randn64(13, 12).to(dt);
            Tensor xz = randn64(14, 2, 5, 24).to(dt), gy = randn64(15, 2, 5, 12).to(dt);
            Var[] fused = {Var.param(x.copy()), Var.param(w.copy()), Var.param(b.copy()), Var.param(xz.copy())};
            Var[] plain = {Var.param(x.copy()), Var.param(w.copy()), Var.param(b.copy()), Var.param(xz.copy())};
            Var yf = GatedLayerNorm.apply(fused[0], fused[1], fused[2], fused[3].narrow(2, 12, 12), 1e-5);
            Var yp = plain[0].layerNorm(plain[1], plain[2], 1e-5).mul(plain[3].narrow(2, 12, 12).silu());
            yf.backward(gy);
            yp.backward(gy);
            assertEquals(0, yf.value().maxAbsDiff(yp.value()), tol, dt + " y");
            String[] names = {"x", "weight", "bias", "z"};
            for (int i = 0; i < 4; i++) {
                assertEquals(0, fused[i].grad().maxAbsDiff(plain[i].grad()), tol * 10, dt + " grad " + names[i]);
                assertEquals(dt, fused[i].grad().dtype(), dt + " grad dtype " + names[i]);
            }
        }
    }

    /**
     * bf16 x and z (autocast's activations, here casts of float32 parameters holding bf16 values) stay bf16: y is bf16,
     * within one bf16 ulp of the float32 node's y on the same values (2^-7 relative: rounded once from double here,
     * there from float), and the gradients reaching the parameters equal the float32 node's exactly (the node's
     * gradients are float32, Autocast.gradientType: the same values in the same arithmetic). bf16 x with float32 z
     * computes in float32 and returns x's dtype, as before.
     */
    @Test void bf16ActivationsStayBf16WithFloat32Gradients() {
        Tensor x = randn64(41, 3, 4, 24).to(DType.BF16).to(DType.F32), z = randn64(42, 3, 4, 24).to(DType.BF16).to(DType.F32);
        Tensor w = randn64(43, 24).to(DType.F32), b = randn64(44, 24).to(DType.F32), gy = randn64(45, 3, 4, 24).to(DType.F32);
        Var[] half = {Var.param(x.copy()), Var.param(w.copy()), Var.param(b.copy()), Var.param(z.copy())};
        Var[] wide = {Var.param(x.copy()), Var.param(w.copy()), Var.param(b.copy()), Var.param(z.copy())};
        Var yh = GatedLayerNorm.apply(half[0].to(DType.BF16), half[1], half[2], half[3].to(DType.BF16), 1e-5);
        Var yw = GatedLayerNorm.apply(wide[0], wide[1], wide[2], wide[3], 1e-5);
        assertEquals(DType.BF16, yh.value().dtype(), "y's dtype");
        double[] a = yh.value().toDoubleArray(), e = yw.value().toDoubleArray();
        for (int i = 0; i < a.length; i++) assertEquals(e[i], a[i], Math.abs(e[i]) * 0x1p-7 + 1e-30, "y[" + i + "]");
        yh.backward(gy);
        yw.backward(gy);
        String[] names = {"x", "weight", "bias", "z"};
        for (int i = 0; i < 4; i++) assertEquals(0, half[i].grad().maxAbsDiff(wide[i].grad()), "grad " + names[i]);
        Var mixed = GatedLayerNorm.apply(Var.of(x.to(DType.BF16)), null, null, Var.of(z), 1e-5);
        assertEquals(DType.BF16, mixed.value().dtype(), "bf16 x with float32 z: y in x's dtype (computed in float32)");
    }

    @Test void layerNormForwardGatedIsTheFusedNode() {
        LayerNorm ln = new LayerNorm(6);
        ln.to(DType.F64);
        ln.weight().set(randn64(21, 6));
        Var x = Var.of(randn64(22, 4, 6)), z = Var.of(randn64(23, 4, 6));
        assertEquals(0, ln.forwardGated(x, z).value().maxAbsDiff(ln.forward(x).mul(z.silu()).value()), 1e-12);
    }

    @Test void rejectsBadShapes() {
        Var x = Var.of(randn64(31, 2, 3));
        var e = assertThrows(JmambaException.class, () -> GatedLayerNorm.apply(x, null, null, Var.of(randn64(32, 3, 2)), 1e-5));
        assertTrue(e.getMessage().contains("one shape"), e.getMessage());
    }
}
