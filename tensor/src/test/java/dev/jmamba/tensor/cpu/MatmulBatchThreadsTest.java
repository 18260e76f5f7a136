package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Batched matmuls of small products, which {@link MatmulCpu} runs side by side (one whole product per
 * thread): the same bits on 1, 2 and 3 threads, and each product within the float32 bound of a float64
 * loop. Shapes are SS2D's (per-direction x_proj 4·32 by 32·49 broadcast over the batch, dt_proj with a
 * K of 2, and the backward's transposed operands). Bound: a float32 dot product of k terms is within
 * γ_k·Σ|a·b| ≈ k·2⁻²⁴·Σ|a·b| of the exact sum (Higham, Accuracy and Stability, §3.1); (k + 2)·6e-8·Σ|a·b|
 * leaves room for the final rounding of the stored result.
 */
class MatmulBatchThreadsTest {
    @Test
    void smallBatchedProductsHaveTheSameBitsOnAnyThreadCountAndMatchFloat64() {
        int before = Parallel.threads();
        try {
            long seed = 17;
            // {a shape, b shape, transpose a (last two dims) before the product, transpose b}
            Object[][] cases = {
                    {new int[] {1, 4, 4, 32}, new int[] {8, 4, 32, 49}, false, false},     // x_proj: broadcast weight
                    {new int[] {1, 4, 32, 2}, new int[] {8, 4, 2, 49}, false, false},      // dt_proj: K = 2
                    {new int[] {8, 4, 49, 4}, new int[] {8, 4, 49, 32}, true, false},      // x_proj weight grad shape (per batch)
                    {new int[] {8, 4, 4, 32}, new int[] {8, 4, 49, 4}, true, true},        // transposed views on both sides
                    {new int[] {64, 32, 49}, new int[] {64, 49, 16}, false, false},
            };
            for (Object[] c : cases) {
                Tensor a = Tensor.randn(seed++, (int[]) c[0]), b = Tensor.randn(seed++, (int[]) c[1]);
                if ((boolean) c[2]) a = a.transpose(-2, -1);
                if ((boolean) c[3]) b = b.transpose(-2, -1);
                float[] first = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] got = a.matmul(b).toFloatArray();
                    if (first == null) {
                        first = got;
                        checkAgainstFloat64(a, b, got, a.matmul(b).shape());
                    } else {
                        assertArrayEquals(first, got, threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** {@code out} is the product's shape (broadcast batch dims, m, n). */
    private static void checkAgainstFloat64(Tensor a, Tensor b, float[] got, int[] out) {
        int r = out.length, m = a.size(-2), k = a.size(-1), n = b.size(-1);
        int[] ea = out.clone(), eb = out.clone();
        ea[r - 1] = k;
        eb[r - 2] = k;
        double[] av = a.expand(ea).contiguous().toDoubleArray(), bv = b.expand(eb).contiguous().toDoubleArray();
        int batches = got.length / (m * n);
        for (int t = 0; t < batches; t++) {
            int oa = t * m * k, ob = t * k * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double term = av[oa + i * k + p] * bv[ob + p * n + j];
                        sum += term;
                        mag += Math.abs(term);
                    }
                    double err = Math.abs(got[(t * m + i) * n + j] - sum);
                    assertTrue(err <= (k + 2) * 6e-8 * mag + 1e-30, "product " + t + " (" + i + ", " + j + "): error " + err);
                }
            }
        }
    }
}
