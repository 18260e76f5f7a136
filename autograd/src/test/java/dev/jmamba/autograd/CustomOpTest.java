package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The custom-op hook: hand-written backwards, optional inputs, several outputs. */
class CustomOpTest {

    /** x·sigmoid(x) in one op, saving only x. */
    static final class FusedSilu implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            ctx.save(in[0]);
            return new Tensor[] {in[0].mul(in[0].sigmoid())};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) {
            Tensor x = ctx.saved()[0], s = x.sigmoid();
            return new Tensor[] {gy[0].mul(s.mul(x.mul(s.neg().add(1)).add(1)))};
        }
    }

    /** y = x * w + b with b optional (null): (x (R, C), w (C), b (C) or null). */
    static final class Affine implements CustomFunction {
        final List<Boolean> biasNeeded = new ArrayList<>();

        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            ctx.save(in[0], in[1]);
            ctx.put("hasBias", in[2] != null);
            Tensor y = in[0].mul(in[1]);
            return new Tensor[] {in[2] == null ? y : y.add(in[2])};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) {
            Tensor x = ctx.saved()[0], w = ctx.saved()[1];
            biasNeeded.add(ctx.needsInputGrad(2));
            boolean hasBias = ctx.get("hasBias");
            return new Tensor[] {
                ctx.needsInputGrad(0) ? gy[0].mul(w) : null,
                ctx.needsInputGrad(1) ? gy[0].mul(x).sum(false, 0) : null,
                hasBias && ctx.needsInputGrad(2) ? gy[0].sum(false, 0) : null,
            };
        }
    }

    /** Two outputs (sin x, cos x); records which output gradients arrive as null. */
    static final class SinCos implements CustomFunction {
        final List<String> arrivals = new ArrayList<>();

        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            ctx.save(in[0]);
            return new Tensor[] {in[0].sin(), in[0].cos()};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) {
            Tensor x = ctx.saved()[0];
            arrivals.add((gy[0] == null ? "-" : "s") + (gy[1] == null ? "-" : "c"));
            Tensor g = Tensor.zeros(x.dtype(), x.device(), x.shape());
            if (gy[0] != null) g = g.add(gy[0].mul(x.cos()));
            if (gy[1] != null) g = g.sub(gy[1].mul(x.sin()));
            return new Tensor[] {g};
        }
    }

    @Test
    void fusedSiluPassesGradCheckAndMatchesTheComposite() {
        GradCheck.check(v -> CustomOps.apply(new FusedSilu(), v[0])[0], transposed(1, 3, 5));
        Tensor x = randn(2, 4, 3);
        Var a = Var.param(x), b = Var.param(x);
        CustomOps.apply(new FusedSilu(), a)[0].sum().backward();
        b.silu().sum().backward();
        assertArrayEquals(b.grad().toDoubleArray(), a.grad().toDoubleArray(), 1e-14);
    }

    @Test
    void optionalInputsArePassedAsNull() {
        Affine f = new Affine();
        GradCheck.check(v -> CustomOps.apply(f, v[0], v[1], null)[0], randn(3, 4, 3), randn(4, 3));
        assertFalse(f.biasNeeded.get(0), "an absent input needs no gradient");
        GradCheck.check(v -> CustomOps.apply(f, v[0], v[1], v[2])[0], randn(5, 4, 3), randn(6, 3), randn(7, 3));
        assertTrue(f.biasNeeded.get(1));
    }

    @Test
    void constantInputsNeedNoGradient() {
        Affine f = new Affine();
        Var w = Var.param(randn(8, 3));
        CustomOps.apply(f, Var.of(randn(9, 2, 3)), w, Var.of(randn(10, 3)))[0].sum().backward();
        assertFalse(f.biasNeeded.get(0));
        assertTrue(w.grad() != null);
    }

    @Test
    void severalOutputsShareOneNode() {
        SinCos f = new SinCos();
        GradCheck.check(v -> {
            Var[] sc = CustomOps.apply(f, v[0]);
            return sc[0].mul(2).add(sc[1].square());
        }, transposed(11, 3, 4));
        Var x = Var.param(randn(12, 5));
        Var[] sc = CustomOps.apply(f, x);
        f.arrivals.clear();
        sc[1].sum().backward();                 // only cos is used: sin's gradient arrives as null
        assertArrayEquals(new Object[] {"-c"}, f.arrivals.toArray());
        assertArrayEquals(x.value().sin().neg().toDoubleArray(), x.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void nothingIsRecordedUnderNoGrad() {
        Var x = Var.param(randn(13, 3));
        try (var g = Autograd.noGrad()) {
            Var[] out = CustomOps.apply(new SinCos(), x);
            assertFalse(out[0].requiresGrad());
            assertNull(out[1].node);
        }
    }

    @Test
    void aBackwardReturningAWrongShapeFailsClearly() {
        CustomFunction bad = new CustomFunction() {
            @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) { return new Tensor[] {in[0].exp()}; }
            @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) { return new Tensor[] {gy[0].sum()}; }
        };
        Var x = Var.param(randn(14, 2, 3));
        var e = assertThrows(IllegalStateException.class, () -> CustomOps.apply(bad, x)[0].sum().backward());
        assertTrue(e.getMessage().contains("expected a gradient of shape (2, 3) for input 0, got ()"), e.getMessage());
    }

    /** GradCheck must catch a wrong backward (here missing the factor 2 of d(x²)/dx). */
    @Test
    void gradCheckCatchesAWrongRule() {
        CustomFunction wrongSquare = new CustomFunction() {
            @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) { ctx.save(in[0]); return new Tensor[] {in[0].square()}; }
            @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) { return new Tensor[] {gy[0].mul(ctx.saved()[0])}; }
        };
        var e = assertThrows(AssertionError.class, () -> GradCheck.check(v -> CustomOps.apply(wrongSquare, v[0])[0], randn(15, 2, 3)));
        assertTrue(e.getMessage().contains("input 0 (2, 3) element"), e.getMessage());
    }
}
