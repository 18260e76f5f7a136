package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The public SGEMM gives the same bits on 1, 2 and 3 threads, on every way the driver cuts the
 * work: row blocks (large M), column splits (short M, short K), and K blocks side by side whose
 * partial products are added in block order (short M, long K: the weight-gradient shapes
 * 48x192x1600 with A transposed, and 37x70x2100 in three K blocks, beta 1.5). Each result is also
 * checked against the float64 {@link SgemmReference} with SgemmTest's bound, so equal bits cannot
 * hide an equally wrong answer.
 */
class SgemmSameBitsTest {
    /** Also with each thread share packing its own B panels ({@code jmamba.gemm.privateB}). */
    @ParameterizedTest @ValueSource(booleans = {false, true})
    void sameBitsOnOneTwoAndThreeThreads(boolean privateB) {
        int before = Parallel.threads();
        boolean privateBefore = SgemmBlocked.privateB;
        SgemmBlocked.privateB = privateB;
        try {
            // ((128, 128, 128), (100, 200, 110): M fits one MC block, split by B panels only; (1100, 70, 96): M blocks
            // sharing B panels; (40, 640, 50): 20-27 B panels, so one thread packs A and two or three, each with at most
            // 14 panels, read it in place)
            int[][] shapes = {{48, 192, 1600, 1, 0}, {37, 70, 2100, 0, 0}, {300, 260, 96, 0, 1}, {40, 900, 300, 1, 1},
                    {128, 128, 128, 0, 0}, {100, 200, 110, 1, 0}, {1100, 70, 96, 0, 1}, {40, 640, 50, 0, 1}};
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                boolean ta = s[3] == 1, tb = s[4] == 1;
                SplittableRandom rnd = new SplittableRandom(7L * m + n + k);
                float[] a = random(rnd, m * k), b = random(rnd, k * n), c0 = random(rnd, m * n);
                int lda = ta ? m : k, ldb = tb ? k : n;
                float beta = s[1] == 70 ? 1.5f : 0f;
                float[] want = c0.clone();
                SgemmReference.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, want, 0, n);
                float[] first = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] c = c0.clone();
                    Sgemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, c, 0, n);
                    if (first == null) first = c;
                    else assertArrayEquals(first, c, "shape " + java.util.Arrays.toString(s) + " on " + threads + " threads");
                    double bound = 2e-6 * Math.sqrt(k) * k; // |a|, |b| <= 1: |a_i|_2 |b_j|_2 <= k
                    for (int x = 0; x < c.length; x++) {
                        assertTrue(Math.abs(c[x] - want[x]) <= bound + Math.abs(beta * c0[x]) * 1e-6,
                                "shape " + java.util.Arrays.toString(s) + " element " + x + ": " + c[x] + " vs " + want[x]);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
            SgemmBlocked.privateB = privateBefore;
        }
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
