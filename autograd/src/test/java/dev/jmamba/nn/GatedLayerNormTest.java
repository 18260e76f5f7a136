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
