package dev.jmamba.vision.tokenops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;

/**
 * The fused token ops on the CPU against the compositions of ordinary ops they replace (outputs and every
 * gradient, seeded random inputs), and against finite differences.
 *
 * <p>Tolerances: float64 compositions agree to rounding — the same products summed in another order — so 1e-12 of
 * each result's largest magnitude. The float32 kernels (float64 accumulation, float32 loads and stores) against the
 * float64 composition: 1e-6 of the largest magnitude, a few float32 roundings of results of order one.
 */
class TokenOpsTest {

    private static Tensor random(long seed, int... shape) { return RandomTensors.gaussian(seed, shape); }

    /** The composition Rope2d used before: x·cos + cat(−x_odd, x_even)·sin. */
    private static Var rotaryComposed(Var x, Var cos, Var sin) {
        int b = x.size(0), l = x.size(1), d = x.size(2);
        Var pairs = x.reshape(b, l, d / 2, 2);
        Var rotated = Var.cat(3, pairs.narrow(3, 1, 1).neg(), pairs.narrow(3, 0, 1)).reshape(b, l, d);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** The composition BiAttn's forward uses: the mean over tokens of LayerNorm over channels, (N, C, B, L) → (N, B, C). */
    private static Var tokenMeanNormComposed(Var y, Var w, Var b, double eps) {
        return y.permute(0, 2, 3, 1).layerNorm(w, b, eps).mean(false, 2);
    }

    @Test void rotaryEqualsTheComposition() {
        int b = 2, l = 5, d = 8;
        // tables with different values at 2q and 2q+1, so both halves of the formula are exercised
        Tensor cos = random(1, l, d), sin = random(2, l, d), x = random(3, b, l, d), gout = random(4, b, l, d);
        Var x1 = Var.param(x.copy()), x2 = Var.param(x.copy());
        Var y1 = RotaryPairs.apply(x1, Var.of(cos), Var.of(sin));
        Var y2 = rotaryComposed(x2, Var.of(cos.reshape(1, l, d)), Var.of(sin.reshape(1, l, d)));
        y1.backward(gout);
        y2.backward(gout);
        close("rotary out", y2.value(), y1.value(), 1e-12);
        close("rotary dx", x2.grad(), x1.grad(), 1e-12);

        // float32 kernel, a non-contiguous x and (1, L, D) tables
        Var x3 = Var.param(RandomTensors.nonContiguous(x.to(DType.F32)));
        Var y3 = RotaryPairs.apply(x3, Var.of(cos.to(DType.F32).reshape(1, l, d)), Var.of(sin.to(DType.F32).reshape(1, l, d)));
        y3.backward(gout.to(DType.F32));
        close("rotary out f32", y2.value(), y3.value(), 1e-6);
        close("rotary dx f32", x2.grad(), x3.grad(), 1e-6);
    }

    @Test void rotaryGradientMatchesFiniteDifferences() {
        Tensor cos = random(5, 3, 6), sin = random(6, 3, 6);
        GradCheck.check(in -> RotaryPairs.apply(in[0], Var.of(cos), Var.of(sin)), random(7, 2, 3, 6));
    }

    @Test void tokenMeanNormEqualsTheComposition() {
        int n = 2, c = 6, b = 3, l = 5;
        double eps = 1e-5;
        Tensor y = random(11, n, c, b, l).mul(2).add(0.5), w = random(12, c), bias = random(13, c), gout = random(14, n, b, c);
        Var[] v1 = {Var.param(y.copy()), Var.param(w.copy()), Var.param(bias.copy())};
        Var[] v2 = {Var.param(y.copy()), Var.param(w.copy()), Var.param(bias.copy())};
        Var p1 = TokenMeanNorm.apply(v1[0], v1[1], v1[2], eps);
        Var p2 = tokenMeanNormComposed(v2[0], v2[1], v2[2], eps);
        p1.backward(gout);
        p2.backward(gout);
        close("pooled out", p2.value(), p1.value(), 1e-12);
        String[] names = {"dy", "dweight", "dbias"};
        for (int i = 0; i < 3; i++) close("pooled " + names[i], v2[i].grad(), v1[i].grad(), 1e-12);

        // float32 kernel on a non-contiguous y, without affine parameters
        Var y3 = Var.param(RandomTensors.nonContiguous(y.to(DType.F32)));
        Var y4 = Var.param(y.copy());
        Var p3 = TokenMeanNorm.apply(y3, null, null, eps);
        Var p4 = tokenMeanNormComposed(y4, null, null, eps);
        p3.backward(gout.to(DType.F32));
        p4.backward(gout);
        close("pooled out f32", p4.value(), p3.value(), 1e-6);
        close("pooled dy f32", y4.grad(), y3.grad(), 1e-6);
    }

    /**
     * The same against a composition of elementary ops only (mean, sub, mul, rsqrt, add; not the fused row layer norm
     * {@link #tokenMeanNormComposed} uses), float64, every gradient: 1e-12 of the largest magnitude, as above.
     */
    @Test void tokenMeanNormEqualsTheElementaryComposition() {
        int n = 2, c = 7, b = 3, l = 4;
        double eps = 1e-5;
        Tensor y = random(15, n, c, b, l).mul(1.5).add(-0.4), w = random(16, c), bias = random(17, c), gout = random(18, n, b, c);
        Var[] v1 = {Var.param(y.copy()), Var.param(w.copy()), Var.param(bias.copy())};
        Var[] v2 = {Var.param(y.copy()), Var.param(w.copy()), Var.param(bias.copy())};
        Var p1 = TokenMeanNorm.apply(v1[0], v1[1], v1[2], eps);
        Var rows = v2[0].permute(0, 2, 3, 1);                                              // (N, B, L, C)
        Var centred = rows.sub(rows.mean(true, 3));
        Var normed = centred.mul(centred.mul(centred).mean(true, 3).add(eps).rsqrt());
        Var p2 = normed.mul(v2[1]).add(v2[2]).mean(false, 2);                               // (N, B, C)
        p1.backward(gout);
        p2.backward(gout);
        close("pooled out", p2.value(), p1.value(), 1e-12);
        String[] names = {"dy", "dweight", "dbias"};
        for (int i = 0; i < 3; i++) close("pooled " + names[i], v2[i].grad(), v1[i].grad(), 1e-12);
    }

    @Test void tokenMeanNormGradientMatchesFiniteDifferences() {
        GradCheck.check(in -> TokenMeanNorm.apply(in[0], in[1], in[2], 1e-5), random(21, 2, 5, 2, 3), random(22, 5), random(23, 5));
    }

    @Test void rowScaleEqualsTheComposition() {
        int r = 7, l = 9;
        Tensor x = random(31, r, l), g = random(32, r), gout = random(33, r, l);
        Var x1 = Var.param(x.copy()), g1 = Var.param(g.copy()), x2 = Var.param(x.copy()), g2 = Var.param(g.copy());
        Var y1 = RowScale.apply(x1, g1), y2 = x2.mul(g2.unsqueeze(1));
        y1.backward(gout);
        y2.backward(gout);
        close("row scale out", y2.value(), y1.value(), 1e-12);
        close("row scale dx", x2.grad(), x1.grad(), 1e-12);
        close("row scale dg", g2.grad(), g1.grad(), 1e-12);

        Var x3 = Var.param(x.to(DType.F32)), g3 = Var.of(g.to(DType.F32));          // only x needs a gradient
        RowScale.apply(x3, g3).backward(gout.to(DType.F32));
        close("row scale dx f32", x2.grad(), x3.grad(), 1e-6);

        // float32 with both gradients: against the float64 composition, 1e-6 (inputs rounded to float32, one product per
        // element, dg a float sum of 9 products: a few float32 roundings of 6e-8 relative on values of order 1)
        Var x4 = Var.param(x.to(DType.F32)), g4 = Var.param(g.to(DType.F32));
        Var y4 = RowScale.apply(x4, g4);
        y4.backward(gout.to(DType.F32));
        close("row scale out f32", y2.value(), y4.value(), 1e-6);
        close("row scale dx f32, both gradients", x2.grad(), x4.grad(), 1e-6);
        close("row scale dg f32", g2.grad(), g4.grad(), 1e-6);
    }

    @Test void rowScaleGradientMatchesFiniteDifferences() {
        GradCheck.check(in -> RowScale.apply(in[0], in[1]), random(41, 4, 6), random(42, 4));
    }

    @Test void badShapesAreRefusedWithTheirName() {
        Var x = Var.of(random(51, 2, 3, 5));
        assertThrows(JmambaException.class, () -> RotaryPairs.apply(x, Var.of(random(52, 3, 5)), Var.of(random(53, 3, 5))));
        Var even = Var.of(random(54, 2, 3, 4));
        assertThrows(JmambaException.class, () -> RotaryPairs.apply(even, Var.of(random(55, 4, 4)), Var.of(random(56, 4, 4))));
        assertThrows(JmambaException.class, () -> RotaryPairs.apply(even, Var.param(random(57, 3, 4)), Var.of(random(58, 3, 4))));
        assertThrows(JmambaException.class, () -> TokenMeanNorm.apply(x, null, null, 1e-5));
        assertThrows(JmambaException.class, () -> TokenMeanNorm.apply(Var.of(random(59, 1, 3, 2, 2)), Var.of(random(60, 4)), null, 1e-5));
        assertThrows(JmambaException.class, () -> RowScale.apply(Var.of(random(61, 3, 2)), Var.of(random(62, 2))));
    }

    private static void close(String what, Tensor expected, Tensor actual, double relative) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual.to(DType.F64), relative * Math.max(scale, 1e-12), 0, what);
    }
}
