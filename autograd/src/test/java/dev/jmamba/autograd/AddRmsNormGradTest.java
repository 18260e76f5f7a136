package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.nn.RMSNorm;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Norms#addRmsNorm}: float64 gradchecks with the residual present or absent and gradients
 * reaching either output or both, and a seeded float32 comparison with the unfused composition
 * {@code x.add(residual).rmsNorm(weight)} for values and every gradient.
 */
class AddRmsNormGradTest {
    private static final double EPS = 1e-5;

    /** Both outputs feed the loss: the projection weighs normed and sum independently. */
    private static Var both(Norms.AddNorm r) { return Var.cat(-1, r.normed(), r.sum()); }

    @Test
    void gradientsReachBothOutputsWithAndWithoutResidual() {
        GradCheck.check(v -> both(Norms.addRmsNorm(v[0], v[1], v[2], EPS)), randn(1, 2, 3, 6), randn(2, 2, 3, 6), randn(3, 6));
        GradCheck.check(v -> both(Norms.addRmsNorm(v[0], null, v[1], EPS)), randn(4, 5, 6), randn(5, 6));
    }

    @Test
    void gradientOnlyThroughTheNormedOutput() {   // the sum output gets no gradient (gSum null)
        GradCheck.check(v -> Norms.addRmsNorm(v[0], v[1], v[2], EPS).normed(), randn(6, 4, 7), randn(7, 4, 7), randn(8, 7));
        GradCheck.check(v -> Norms.addRmsNorm(v[0], null, v[1], EPS).normed(), randn(9, 3, 5), randn(10, 5));
    }

    @Test
    void gradientOnlyThroughTheSumOutput() {      // the normed output gets no gradient (gy null)
        GradCheck.check(v -> Norms.addRmsNorm(v[0], v[1], v[2], EPS).sum().mul(v[0]), randn(11, 3, 4), randn(12, 3, 4), randn(13, 4));
    }

    @Test
    void withoutWeightAndOnStridedInputs() {
        GradCheck.check(v -> both(Norms.addRmsNorm(v[0], v[1], null, 1e-6)), transposed(14, 5, 4), transposed(15, 5, 4));
        // the sum is used twice downstream, as the next layer does (add, then norm again)
        GradCheck.check(v -> {
            Norms.AddNorm first = Norms.addRmsNorm(v[0], v[1], v[2], EPS);
            Norms.AddNorm second = Norms.addRmsNorm(first.normed().mul(v[0]), first.sum(), v[2], EPS);
            return both(second);
        }, randn(16, 3, 6), randn(17, 3, 6), randn(18, 6));
    }

    /**
     * Seeded float32 run against the unfused ops on the same inputs. The forward computes the same
     * double-precision row sums from the same rounded sum, so it agrees to F32 output rounding
     * (≤ 1 ulp, ~1.2e-7 relative on values ≲ 4). The unfused backward runs five F32 tensor ops
     * where the fused one works in double: on gradients of size ≲ 10 their differences stay below
     * 1e-5 absolute + 1e-5 relative; gWeight sums 64 rows of such terms, so 2e-5 + 1e-5 relative.
     * (Observed on the CPU: normed identical, gx 2.4e-7, gWeight 1.9e-6.)
     */
    @Test
    void float32MatchesTheUnfusedComposition() {
        Tensor x = randn(20, 4, 16, 48).mul(2).to(DType.F32), res = randn(21, 4, 16, 48).to(DType.F32);
        Tensor w = randn(22, 48).to(DType.F32), gy = randn(23, 4, 16, 48).to(DType.F32), gs = randn(24, 4, 16, 48).to(DType.F32);

        Var fx = Var.param(x), fr = Var.param(res), fw = Var.param(w);
        Norms.AddNorm fused = Norms.addRmsNorm(fx, fr, fw, EPS);
        fused.normed().mul(Var.of(gy)).add(fused.sum().mul(Var.of(gs))).sum().backward();

        Var ux = Var.param(x), ur = Var.param(res), uw = Var.param(w);
        Var sum = ux.add(ur), normed = sum.rmsNorm(uw, EPS);
        normed.mul(Var.of(gy)).add(sum.mul(Var.of(gs))).sum().backward();

        assertArrayEquals(sum.value().toFloatArray(), fused.sum().value().toFloatArray(), "sum: one rounded F32 add on both paths");
        assertClose(normed.value(), fused.normed().value(), 2e-7, 2e-7, "normed");
        assertClose(ux.grad(), fx.grad(), 1e-5, 1e-5, "gx");
        assertClose(ur.grad(), fr.grad(), 1e-5, 1e-5, "gresidual");
        assertClose(uw.grad(), fw.grad(), 2e-5, 1e-5, "gweight");
        assertArrayEquals(fx.grad().toFloatArray(), fr.grad().toFloatArray(), "x and residual get the same gradient");
        assertTrue(fx.grad().dtype() == DType.F32 && fw.grad().dtype() == DType.F32);
    }

    @Test
    void rmsNormModuleForwardWithResidualKeepsItsWeightAndChecksShapes() {
        RMSNorm norm = new RMSNorm(6);
        Var x = Var.param(randn(30, 2, 6)), res = Var.param(randn(31, 2, 6));
        Norms.AddNorm r = norm.forwardWithResidual(x, res);
        double err = r.normed().value().maxAbsDiff(norm.forward(x.add(res)).value());
        assertTrue(err < 1e-15, "forwardWithResidual equals forward(x + residual), F64 error " + err);
        r.normed().sum().backward();
        assertTrue(norm.weight().var().grad() != null, "the module's weight gets a gradient");
        var e = assertThrows(IllegalArgumentException.class, () -> norm.forwardWithResidual(x, Var.of(randn(32, 3, 6))));
        assertTrue(e.getMessage().contains("residual") && e.getMessage().contains("[3, 6]"), e.getMessage());
        var notConstant = Norms.addRmsNorm(Var.of(randn(33, 2, 6)), null, null, EPS);
        assertTrue(!notConstant.normed().requiresGrad() && !notConstant.sum().requiresGrad(), "constants in, constants out");
    }

    private static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double worst = 0;
        for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]) - (atol + rtol * Math.abs(e[i])));
        assertTrue(worst <= 0, what + ": exceeds atol " + atol + " + rtol " + rtol + " by " + worst);
    }
}
