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
 * {@link ChannelLayerNorm}: finite-difference gradients of every input, and outputs and all gradients equal to the
 * unfused composition (permute → layer norm → permute → multiply by the scale, plus the weighted skip) it replaces.
 */
class ChannelLayerNormTest {
    private static Tensor randn64(long seed, int... shape) { return LayerCheck.randn64(seed, shape); }

    @Test void gradcheckEveryInput() {
        GradCheck.check(v -> ChannelLayerNorm.apply(v[0], v[1], v[2], v[3], 1e-5),
                randn64(1, 2, 5, 3), randn64(2, 5), randn64(3, 5), randn64(4, 2, 3));
        GradCheck.check(v -> ChannelLayerNorm.apply(v[0], null, null, null, 1e-5), randn64(5, 3, 4, 6));
        GradCheck.check(v -> ChannelLayerNorm.apply(v[0].transpose(1, 2), v[1], null, null, 1e-5),   // strided x
                randn64(6, 2, 3, 4), randn64(7, 4));
    }

    @Test void equalsTheUnfusedComposition() {
        // float64 on the CPU: the same sums in another order, so 1e-12 of each result's magnitude (values ≲ 10)
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            double tol = dt == DType.F64 ? 1e-11 : 2e-5;   // F32: output rounding of values ≲ 10 and of the column sums
            Tensor x = randn64(11, 3, 8, 20).to(dt), w = randn64(12, 8).to(dt), b = randn64(13, 8).to(dt), s = randn64(14, 3, 20).to(dt);
            Tensor gy = randn64(15, 3, 8, 20).to(dt);
            Var[] fused = {Var.param(x.copy()), Var.param(w.copy()), Var.param(b.copy()), Var.param(s.copy())};
            Var[] plain = {Var.param(x.copy()), Var.param(w.copy()), Var.param(b.copy()), Var.param(s.copy())};
            Var yf = ChannelLayerNorm.apply(fused[0], fused[1], fused[2], fused[3], 1e-5);
            Var yp = plain[0].permute(0, 2, 1).layerNorm(plain[1], plain[2], 1e-5).permute(0, 2, 1).mul(plain[3].unsqueeze(1));
            yf.backward(gy);
            yp.backward(gy);
            assertEquals(0, yf.value().maxAbsDiff(yp.value()), tol, dt + " y");
            String[] names = {"x", "weight", "bias", "scale"};
            for (int i = 0; i < 4; i++) {
                assertEquals(0, fused[i].grad().maxAbsDiff(plain[i].grad()), tol * 10, dt + " grad " + names[i]);
                assertEquals(dt, fused[i].grad().dtype(), dt + " grad dtype " + names[i]);
            }
        }
    }

    @Test void gradcheckTheSkipForm() {
        // (N, C, M) = (4, 3, 5) with G = 2 skip-weight rows (FractalMamba's N = B · K), every input differentiated
        GradCheck.check(v -> ChannelLayerNorm.apply(v[0], v[1], v[2], v[3], v[4], v[5], 1e-5),
                randn64(41, 4, 3, 5), randn64(42, 3), randn64(43, 3), randn64(44, 4, 5), randn64(45, 4, 3, 5), randn64(46, 2, 3));
        GradCheck.check(v -> ChannelLayerNorm.apply(v[0], null, null, null, v[1].transpose(1, 2), v[2], 1e-5),   // strided skip, G = N
                randn64(47, 3, 4, 2), randn64(48, 3, 2, 4), randn64(49, 3, 4));
    }

    /**
     * The skip form equals its unfused composition: the channel norm times the scale, plus skip · skipWeight
     * broadcast over (N / G, G, C, M) — FractalMamba's {@code h_norm(h) · C + xs · Ds} before the fusion.
     */
    @Test void skipFormEqualsTheUnfusedComposition() {
        int n = 6, c = 8, m = 20, groups = 2;
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            double tol = dt == DType.F64 ? 1e-11 : 2e-5;   // as equalsTheUnfusedComposition
            Tensor x = randn64(51, n, c, m).to(dt), w = randn64(52, c).to(dt), b = randn64(53, c).to(dt), s = randn64(54, n, m).to(dt);
            Tensor sk = randn64(55, n, c, m).to(dt), skw = randn64(56, groups, c).to(dt), gy = randn64(57, n, c, m).to(dt);
            Tensor[] in = {x, w, b, s, sk, skw};
            Var[] fused = new Var[6], plain = new Var[6];
            for (int i = 0; i < 6; i++) {
                fused[i] = Var.param(in[i].copy());
                plain[i] = Var.param(in[i].copy());
            }
            Var yf = ChannelLayerNorm.apply(fused[0], fused[1], fused[2], fused[3], fused[4], fused[5], 1e-5);
            Var skipTerm = plain[4].reshape(n / groups, groups, c, m).mul(plain[5].reshape(1, groups, c, 1)).reshape(n, c, m);
            Var yp = ChannelLayerNorm.apply(plain[0], plain[1], plain[2], plain[3], 1e-5).add(skipTerm);
            yf.backward(gy);
            yp.backward(gy);
            assertEquals(0, yf.value().maxAbsDiff(yp.value()), tol, dt + " y");
            String[] names = {"x", "weight", "bias", "scale", "skip", "skipWeight"};
            for (int i = 0; i < 6; i++) {
                assertEquals(0, fused[i].grad().maxAbsDiff(plain[i].grad()), tol * 10, dt + " grad " + names[i]);
                assertEquals(dt, fused[i].grad().dtype(), dt + " grad dtype " + names[i]);
            }
        }
    }

    @Test void layerNorm2dOnChannelsFirstAndChannelsLastStorage() {
        LayerNorm2d ln = new LayerNorm2d(6, 1e-5);
        ln.to(DType.F64);
        ln.weight().set(randn64(21, 6));
        ln.bias().set(randn64(22, 6));
        Tensor x = randn64(23, 2, 6, 3, 4);
        LayerCheck.check(ln, x);                                                   // channels-first: the fused kernel
        Tensor viaLast = ln.forward(Var.of(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2))).value();
        assertEquals(0, ln.forward(Var.of(x)).value().maxAbsDiff(viaLast), 1e-12);
    }

    @Test void rejectsBadShapes() {
        Var x = Var.of(randn64(31, 2, 3, 4));
        var e = assertThrows(JmambaException.class, () -> ChannelLayerNorm.apply(x, null, null, Var.of(randn64(32, 2, 3)), 1e-5));
        assertTrue(e.getMessage().contains("scale must be (2, 4)"), e.getMessage());
        var r = assertThrows(JmambaException.class, () -> ChannelLayerNorm.apply(x.reshape(6, 4), null, null, null, 1e-5));
        assertTrue(r.getMessage().contains("(N, C, M)"), r.getMessage());
        var g = assertThrows(JmambaException.class, () -> ChannelLayerNorm.apply(x, null, null, null, x, Var.of(randn64(33, 3, 3)), 1e-5));
        assertTrue(g.getMessage().contains("skipWeight must be (G, 3) with G dividing 2"), g.getMessage());
        var alone = assertThrows(JmambaException.class, () -> ChannelLayerNorm.apply(x, null, null, null, x, null, 1e-5));
        assertTrue(alone.getMessage().contains("skip and skipWeight go together"), alone.getMessage());
    }
}
