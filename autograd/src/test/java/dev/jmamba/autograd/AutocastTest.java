package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The autocast policy and its lowered products on the CPU (the reference of the GPU path: the CPU
 * multiplies the bf16-rounded values in float32, as tensor cores do).
 *
 * <p>Tolerance of a lowered product against float64 loops over the bf16-rounded operands: the
 * products of two bf16 values are exact in float32 (8 + 8 significant bits), so the only error is
 * the float32 summation of k terms, ≤ k·2⁻²⁴·Σ|a·b| (we use (k + 2)·2⁻²⁴·Σ|a·b| + 1e-30 per element).
 */
class AutocastTest {
    private static final Random RANDOM = new Random(13);

    @AfterEach void resetDefault() { Autocast.setAcceleratorDefault(null); }

    @Test void thePolicyTableLowersTheProductsAndNothingElse() {
        assertEquals(Autocast.OpPrecision.LOWERED, Autocast.precisionOf("matmul"));
        assertEquals(Autocast.OpPrecision.LOWERED, Autocast.precisionOf("matmulAfter"));
        assertEquals(Autocast.OpPrecision.LOWERED, Autocast.precisionOf("conv2d"), "dense convs (groups 1; AutocastConvTest)");
        for (String op : new String[] {"layerNorm", "logSoftmax", "softmax", "CrossMerge",
                "add", "mul", "gelu", "sum", "mean", "an op nobody wrote"}) {
            assertEquals(Autocast.OpPrecision.FLOAT32, Autocast.precisionOf(op), op);
        }
        for (String op : new String[] {"SelectiveScanFunction", "ScanPairFunction", "CrossScan", "CausalConv1d", "DepthwiseConvSilu",
                "layerNormBf16"}) {
            assertEquals(Autocast.OpPrecision.BF16_IO, Autocast.precisionOf(op), op + " passes bf16 activations through");
        }
        long lowered = Autocast.POLICY.values().stream().filter(p -> p == Autocast.OpPrecision.LOWERED).count();
        assertEquals(3, lowered, "only matmul, matmulAfter and conv2d are lowered");
        assertEquals(DType.F32, Autocast.gradientType(DType.BF16), "gradients of bf16 activations are float32");
        assertEquals(DType.F64, Autocast.gradientType(DType.F64));
        assertEquals(DType.F32, Autocast.gradientType(DType.F32));
    }

    @Test void aBf16ActivationIsMultipliedWithoutACopyAndGetsAFloat32Gradient() {
        double[] x = values(2 * 12 * 7), w = values(5 * 12), gy = values(2 * 5 * 7);
        Var vx = Var.of(t(x, 2, 12, 7)).requiresGrad(true), vw = Var.of(t(w, 5, 12)).requiresGrad(true);
        Var x16, y;
        try (var scope = Autocast.bf16()) {
            x16 = vx.to(DType.BF16);                                  // (B, C, L) activation kept in bf16
            assertEquals(DType.BF16, Autocast.activationType(vx.value()));
            y = vw.unsqueeze(0).matmul(x16);                          // (B, 5, L)
        }
        assertEquals(DType.F32, y.dtype());
        boolean savedTheActivation = false;
        for (Tensor saved : y.node.saved) savedTheActivation |= saved == x16.value();
        assertTrue(savedTheActivation, "the bf16 operand is saved as it is, not copied");
        assertTrue(!x16.value().storage().isReleased(), "the caller's bf16 tensor is not released by the product");
        y.backward(t(gy, 2, 5, 7));
        assertEquals(DType.F32, vx.grad().dtype(), "the gradient flows back through the cast in float32");
        double[] xr = bf16(x), wr = bf16(w), gr = bf16(gy), wt = transpose(wr, 5, 12);
        for (int b = 0; b < 2; b++) {   // dx_b = round(w)ᵀ · round(gy_b)
            double[] gb = java.util.Arrays.copyOfRange(gr, b * 35, (b + 1) * 35);
            double[] got = java.util.Arrays.copyOfRange(vx.grad().toDoubleArray(), b * 84, (b + 1) * 84);
            assertClose(matmul(wt, gb, 12, 5, 7), absMatmul(wt, gb, 12, 5, 7), 5, got, "dx batch " + b);
        }
        assertNull(Autocast.activationType(vx.value()), "outside a scope the CPU has no autocast");
    }

    @Test void aLoweredProductMultipliesTheBf16ValuesAndSavesThemForBackward() {
        double[] x = values(3 * 5 * 24), w = values(24 * 8), gy = values(3 * 5 * 8);
        Var vx = Var.of(t(x, 3, 5, 24)).requiresGrad(true), vw = Var.of(t(w, 24, 8)).requiresGrad(true);
        Var y;
        try (var scope = Autocast.bf16()) {
            y = vx.matmul(vw);
        }
        assertEquals(DType.F32, y.dtype(), "a lowered product returns float32");
        for (Tensor saved : y.node.saved) {
            if (saved != null) assertEquals(DType.BF16, saved.dtype(), "the node keeps the bf16 operands");
        }
        double[] xr = bf16(x), wr = bf16(w), gr = bf16(gy);
        assertClose(matmul(xr, wr, 15, 24, 8), absMatmul(xr, wr, 15, 24, 8), 24, y.value().toDoubleArray(), "forward");
        y.backward(t(gy, 3, 5, 8));
        assertEquals(DType.F32, vx.grad().dtype());
        assertEquals(DType.F32, vw.grad().dtype(), "a float32 parameter gets a float32 gradient");
        // dx = round(gy) · round(w)ᵀ, dw = round(x)ᵀ · round(gy)
        double[] wt = transpose(wr, 24, 8), xt = transpose(xr, 15, 24);
        assertClose(matmul(gr, wt, 15, 8, 24), absMatmul(gr, wt, 15, 8, 24), 8, vx.grad().toDoubleArray(), "dx");
        assertClose(matmul(xt, gr, 24, 15, 8), absMatmul(xt, gr, 24, 15, 8), 15, vw.grad().toDoubleArray(), "dw");
    }

    @Test void matmulAfterLowersTheProductAndRecomputesTheActivation() {
        double[] x = values(6 * 16), w = values(16 * 4), gy = values(6 * 4);
        Var vx = Var.of(t(x, 6, 16)).requiresGrad(true), vw = Var.of(t(w, 16, 4)).requiresGrad(true);
        Var y;
        try (var scope = Autocast.bf16()) {
            y = vx.matmulAfter(UnaryOp.GELU, vw);
        }
        double[] h = new double[x.length];
        for (int i = 0; i < x.length; i++) h[i] = (float) UnaryOp.GELU.apply((float) x[i], 0, 0);
        double[] hr = bf16(h), wr = bf16(w), gr = bf16(gy);
        // the activation is computed in float32 before rounding: 2e-6 relative slack on each h before its bf16 rounding
        // can flip a rounding, so compare with the bound of a product plus one bf16 step (2⁻⁸) of Σ|h·w|
        double[] bound = absMatmul(hr, wr, 6, 16, 4);
        double[] want = matmul(hr, wr, 6, 16, 4), got = y.value().toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 0x1p-8 * bound[i] + 1e-30, "forward " + i + ": " + want[i] + " vs " + got[i]);
        }
        y.backward(t(gy, 6, 4));
        // backward recomputes the activation from the bf16 copy of x it kept
        double[] hBack = new double[x.length];
        for (int i = 0; i < x.length; i++) hBack[i] = (float) UnaryOp.GELU.apply(DType.fromBf16(DType.toBf16((float) x[i])), 0, 0);
        double[] ht = transpose(bf16(hBack), 6, 16);
        double[] dw = matmul(ht, gr, 16, 6, 4), dwBound = absMatmul(ht, gr, 16, 6, 4), gotDw = vw.grad().toDoubleArray();
        for (int i = 0; i < dw.length; i++) {
            assertTrue(Math.abs(dw[i] - gotDw[i]) <= 0x1p-8 * dwBound[i] + 1e-30, "dw " + i);
        }
        // dx = gelu'(round(x)) · (round(gy) · round(w)ᵀ): the node keeps x as bf16
        for (Tensor saved : y.node.saved) if (saved != null) assertEquals(DType.BF16, saved.dtype(), "matmulAfter keeps bf16");
        double[] xr = bf16(x);
        double[] gh = matmul(gr, transpose(wr, 16, 4), 6, 4, 16), ghBound = absMatmul(gr, transpose(wr, 16, 4), 6, 4, 16);
        double[] gotDx = vx.grad().toDoubleArray();
        // gelu' itself: the CPU computes it in float lanes with an absolute error ≤ 4.6e-7 (GeluSimdTest's bound, the
        // Abramowitz–Stegun erfc plus float rounding), which multiplies |gh| ≤ ghBound
        for (int i = 0; i < gh.length; i++) {
            double d = UnaryOp.GELU.derivative(xr[i], 0, 0);
            assertTrue(Math.abs(d * gh[i] - gotDx[i]) <= 1e-6 * Math.abs(d) * ghBound[i] + 1e-7 * Math.abs(d * gh[i])
                    + 4.6e-7 * ghBound[i] + 1e-30, "dx " + i);
        }
    }

    @Test void outsideAScopeAndInsideDisabledNothingChanges() {
        double[] x = values(4 * 9), w = values(9 * 3);
        Tensor plain = t(x, 4, 9).matmul(t(w, 9, 3));
        Var a = Var.of(t(x, 4, 9)).requiresGrad(true), b = Var.of(t(w, 9, 3)).requiresGrad(true);
        assertArrayEquals(plain.toDoubleArray(), a.matmul(b).value().toDoubleArray(), "no scope");
        try (var on = Autocast.bf16(); var off = Autocast.disabled()) {
            Var y = a.matmul(b);
            assertArrayEquals(plain.toDoubleArray(), y.value().toDoubleArray(), "disabled inside bf16");
            for (Tensor saved : y.node.saved) if (saved != null) assertEquals(DType.F32, saved.dtype());
        }
        Autocast.setAcceleratorDefault(DType.BF16);
        assertArrayEquals(plain.toDoubleArray(), a.matmul(b).value().toDoubleArray(), "the accelerator default leaves the CPU alone");
        try (var on = Autocast.bf16()) {
            Var y = Var.of(t(x, 4, 9).to(DType.F64)).matmul(Var.of(t(w, 9, 3).to(DType.F64)));
            assertEquals(DType.F64, y.dtype(), "float64 operands are never lowered");
        }
        assertNull(Autocast.operandType("add", t(x, 4, 9), t(x, 4, 9)));
    }

    @Test void scopesNestAndRestore() {
        Tensor a = t(values(4), 2, 2);
        assertNull(Autocast.operandType("matmul", a, a));
        try (var on = Autocast.bf16()) {
            assertSame(DType.BF16, Autocast.operandType("matmul", a, a));
            try (var off = Autocast.disabled()) {
                assertNull(Autocast.operandType("matmul", a, a));
            }
            assertSame(DType.BF16, Autocast.operandType("matmul", a, a));
        }
        assertNull(Autocast.operandType("matmul", a, a));
    }

    // ------------------------------------------------------------------ helpers

    static double[] values(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (float) RANDOM.nextGaussian();
        return v;
    }

    static Tensor t(double[] v, int... shape) {
        return Tensor.of(v, shape).to(DType.F32);
    }

    static double[] bf16(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = DType.fromBf16(DType.toBf16((float) v[i]));
        return r;
    }

    static double[] transpose(double[] v, int rows, int cols) {
        double[] r = new double[v.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) r[j * rows + i] = v[i * cols + j];
        return r;
    }

    static double[] matmul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
        return c;
    }

    static double[] absMatmul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) c[i * n + j] += Math.abs(a[i * k + p] * b[p * n + j]);
        return c;
    }

    static void assertClose(double[] want, double[] bound, int k, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            double tol = (k + 2) * 0x1p-24 * bound[i] + 1e-30;
            assertTrue(Math.abs(want[i] - got[i]) <= tol, what + " " + i + ": " + want[i] + " vs " + got[i] + " (tol " + tol + ")");
        }
    }
}
