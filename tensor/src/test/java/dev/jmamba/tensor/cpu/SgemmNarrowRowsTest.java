package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 8-row tile hands products of few C rows to the 4-row tile where that computes fewer padding rows
 * ({@code jmamba.gemm.narrowRowsBelow}, {@link SgemmSimd#forRows}); {@link Sgemm#sgemm} asks for one-thread products,
 * by the rows the driver computes (n for A^T B^T, which it runs as C^T = B A). The choice, and such products through
 * that entry point against the float64 plain-loop reference with {@link SgemmTest}'s tolerance (2e-6·sqrt(k)·|a_i|·|b_j|).
 */
class SgemmNarrowRowsTest {
    @Test void theEightRowTileHandsOnlyBetterPaddedRowCountsToTheFourRowTile() {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        SgemmKernel wide = SgemmSimd.kernel(8);
        for (int rows : new int[] {1, 3, 4, 9, 12, 17, 19, 20, 25, 28}) {
            assertEquals(4, wide.forRows(rows).mr(), rows + " rows: 4-row tiles pad fewer");
        }
        for (int rows : new int[] {5, 8, 16, 21, 24, 32, 33, 36, 100}) {
            assertEquals(8, wide.forRows(rows).mr(), rows + " rows: the 8-row tile");
        }
        assertEquals(4, SgemmSimd.kernel(4).forRows(19).mr(), "a 4-row kernel stays");
        assertEquals(3, SgemmSimd.kernel(3).forRows(19).mr(), "the 256-bit default stays");
    }

    @Test void fewRowProductsMatchTheReference() {
        SplittableRandom random = new SplittableRandom(22);
        int[][] shapes = {{19, 50, 96}, {12, 196, 192}, {50, 19, 96}, {17, 33, 70}, {3, 130, 40}, {25, 64, 300}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int m = s[0], n = s[1], k = s[2];
                float[] a = values(random, m * k), b = values(random, k * n), c = new float[m * n];
                Sgemm.sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double want = 0, na = 0, nb = 0;
                        for (int p = 0; p < k; p++) {
                            double x = a[ta ? p * m + i : i * k + p], y = b[tb ? j * k + p : p * n + j];
                            want += x * y;
                            na += x * x;
                            nb += y * y;
                        }
                        double bound = 2e-6 * Math.sqrt(k) * Math.sqrt(na * nb);
                        assertTrue(Math.abs(c[i * n + j] - want) <= bound, m + "x" + n + "x" + k + " t" + t + " (" + i + ", " + j + "): "
                                + c[i * n + j] + " vs " + want);
                    }
                }
            }
        }
    }

    private static float[] values(SplittableRandom random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float) (random.nextDouble() * 2 - 1);
        return v;
    }
}
