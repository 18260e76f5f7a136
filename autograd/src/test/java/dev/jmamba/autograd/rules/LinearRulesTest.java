package dev.jmamba.autograd.rules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The weight gradient of a batched a times a 2-D b: the flattened single matmul agrees with the
 * batched matmul plus sum over the batch (and with a float64 loop reference), falls back where
 * the batch dims of a do not merge with m, and keeps matmul's gradchecks green.
 */
class LinearRulesTest {
    private static Tensor normal(long seed, DType dtype, int... shape) {
        return Tensor.random(RandomKind.NORMAL, seed, 0, 1, dtype, Device.CPU, shape);
    }

    /** Σ_rows a[row, i] · g[row, j] in double over a (M, k) and g (M, n) given as (…, m, k) and (…, m, n). */
    private static double[] reference(Tensor a, Tensor g) {
        int k = a.size(-1), n = g.size(-1), rows = a.numel() / k;
        double[] av = a.contiguous().toDoubleArray(), gv = g.contiguous().toDoubleArray(), out = new double[k * n];
        for (int row = 0; row < rows; row++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < n; j++) out[i * n + j] += av[row * k + i] * gv[row * n + j];
        return out;
    }

    /**
     * |x - reference| ≤ atol·Σ|a·g| for each of the k·n sums of M products: float32 matmuls carry
     * about M·2^-24 of the magnitude sum in the worst case (1e-5 covers M ≤ 160 here); F64 1e-13.
     */
    private static void assertNearReference(Tensor a, Tensor g, Tensor got, double atol, String what) {
        int k = a.size(-1), n = g.size(-1), rows = a.numel() / k;
        double[] av = a.contiguous().toDoubleArray(), gv = g.contiguous().toDoubleArray(), magnitude = new double[k * n];
        for (int row = 0; row < rows; row++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < n; j++) magnitude[i * n + j] += Math.abs(av[row * k + i] * gv[row * n + j]);
        double[] e = reference(a, g), x = got.toDoubleArray();
        assertArrayEquals(new int[] {k, n}, got.shape(), what + ": shape");
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], x[i], atol * Math.max(1, magnitude[i]), what + ": element " + i);
        }
    }

    @Test
    void batchAndRowDimsMergeOnlyWhenTheyStepBackToBack() {
        assertTrue(LinearRules.leadingDimsMerge(Tensor.zeros(2, 3, 4, 5)), "contiguous");
        assertTrue(LinearRules.leadingDimsMerge(Tensor.zeros(2, 3, 9).narrow(2, 1, 4)), "k sliced: rows still step by the row length");
        assertTrue(LinearRules.leadingDimsMerge(Tensor.zeros(2, 1, 3, 4).narrow(0, 1, 1)), "size-1 dims are ignored");
        assertFalse(LinearRules.leadingDimsMerge(Tensor.zeros(3, 2, 4, 5).permute(1, 0, 2, 3)), "batch dims permuted");
        assertFalse(LinearRules.leadingDimsMerge(Tensor.zeros(2, 6, 4).narrow(1, 0, 3)), "m sliced");
        assertFalse(LinearRules.leadingDimsMerge(Tensor.zeros(2, 5, 4).transpose(1, 2)), "k and m swapped in storage: B steps by k·m, not m");
        assertFalse(LinearRules.leadingDimsMerge(Tensor.zeros(1, 3, 4).expand(5, 3, 4)), "batch broadcast (stride 0)");
    }

    @Test
    void flattenedWeightGradMatchesBatchedMatmulAndSum() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double atol = dt == DType.F64 ? 1e-13 : 1e-5;
            Tensor a = normal(1, dt, 4, 8, 5, 6);   // (B1, B2, m, k), M = 160
            Tensor g = normal(2, dt, 4, 8, 5, 7);   // (B1, B2, m, n)
            Tensor flat = LinearRules.weightGrad(a, g), batched = LinearRules.batchedWeightGrad(a, g, new int[] {6, 7});
            assertNearReference(a, g, flat, atol, "flattened " + dt);
            assertNearReference(a, g, batched, atol, "batched " + dt);
            // a with k sliced still flattens; a with k and m swapped in storage takes the batched path
            Tensor as = normal(5, dt, 3, 5, 9).narrow(2, 2, 6);  // (3, 5, 6)
            Tensor gs = normal(6, dt, 3, 5, 7);
            assertTrue(LinearRules.leadingDimsMerge(as));
            assertNearReference(as, gs, LinearRules.weightGrad(as, gs), atol, "k-sliced a " + dt);
            Tensor at = normal(3, dt, 9, 6, 5).transpose(1, 2);  // (9, 5, 6)
            Tensor gt = normal(4, dt, 9, 5, 7);
            assertNearReference(at, gt, LinearRules.weightGrad(at, gt), atol, "transposed a " + dt);
        }
    }

    @Test
    void nonMergeableBatchDimsKeepTheBatchedPath() {
        Tensor a = normal(5, DType.F32, 3, 4, 5, 6).permute(1, 0, 2, 3);  // (4, 3, 5, 6): batch dims do not merge
        Tensor g = normal(6, DType.F32, 4, 3, 5, 7);
        assertFalse(LinearRules.leadingDimsMerge(a));
        Tensor got = LinearRules.weightGrad(a, g);
        assertArrayEquals(LinearRules.batchedWeightGrad(a, g, new int[] {6, 7}).toDoubleArray(), got.toDoubleArray(), "the same computation");
        assertNearReference(a, g, got, 1e-5, "non-mergeable");
    }

    @Test
    void ruleGradientsOfBatchedTimesWeightMatchTheReference() {
        Tensor a = normal(7, DType.F32, 2, 3, 5, 4), w = normal(8, DType.F32, 4, 6);
        Var va = Var.param(a), vw = Var.param(w);
        va.matmul(vw).sum().backward();  // dy = 1: dw[i, j] = Σ_rows a[row, i]
        Tensor ones = Tensor.full(1, DType.F32, Device.CPU, 2, 3, 5, 6);
        assertNearReference(a, ones, vw.grad(), 1e-5, "dw through the rule");
        double[] da = va.grad().toDoubleArray(), wv = w.toDoubleArray();  // da[row, i] = Σ_j w[i, j]
        for (int i = 0; i < da.length; i++) {
            int col = i % 4;
            double e = 0;
            for (int j = 0; j < 6; j++) e += wv[col * 6 + j];
            assertEquals(e, da[i], 1e-5, "da element " + i);
        }
    }

    @Test
    void gradchecksOfBatchedTimesWeight() {
        Tensor w = normal(9, DType.F64, 4, 3);
        GradCheck.check(v -> v[0].matmul(v[1]), normal(10, DType.F64, 2, 3, 5, 4), w);                      // merges
        GradCheck.check(v -> v[0].matmul(v[1]), normal(11, DType.F64, 3, 2, 5, 4).permute(1, 0, 2, 3), w);  // does not merge
        GradCheck.check(v -> v[0].matmul(v[1]), normal(12, DType.F64, 2, 4, 5).transpose(1, 2), w);         // k, m swapped: does not merge
        GradCheck.check(v -> v[0].matmul(v[1]), normal(15, DType.F64, 2, 5, 7).narrow(2, 1, 4), w);         // k sliced: merges
        GradCheck.check(v -> v[0].matmul(v[1]), normal(13, DType.F64, 2, 5, 4), normal(14, DType.F64, 4));  // weight vector
    }

    /**
     * A batched b stored transposed (channels-last tokens read as (B, C, L)) gets its gradient in its own layout:
     * equal to the generic a2ᵀ·g (to float64 rounding), dense under the same transposed view, and gradchecks pass.
     */
    @Test
    void transposedBatchedOperandGetsItsGradientInItsLayout() {
        Tensor w = normal(41, DType.F64, 1, 6, 4), x = normal(42, DType.F64, 3, 7, 4), g = normal(43, DType.F64, 3, 6, 7);
        Var wv = Var.param(w), xv = Var.param(x.copy());
        Var y = wv.matmul(xv.transpose(1, 2));                                           // (3, 6, 7)
        y.backward(g);
        Tensor expected = w.transpose(1, 2).matmul(g).transpose(1, 2);                   // (a2ᵀ·g)ᵀ as (B, L, C)
        assertEquals(0, xv.grad().maxAbsDiff(expected), 1e-12, "dx");
        assertArrayEquals(new int[] {28, 4, 1}, xv.grad().strides(), "dx dense (B, L, C): no transposed copy downstream");
        Tensor direct = LinearRules.batchedOperandGrad(w, g, x.transpose(1, 2));
        assertEquals(0, direct.maxAbsDiff(LinearRules.batchedWeightGrad(w, g, new int[] {3, 4, 7})), 1e-12, "equal to the generic rule");
        GradCheck.check(v -> v[0].matmul(v[1].transpose(1, 2)), normal(44, DType.F64, 1, 3, 2), normal(45, DType.F64, 2, 5, 2));
    }
}
