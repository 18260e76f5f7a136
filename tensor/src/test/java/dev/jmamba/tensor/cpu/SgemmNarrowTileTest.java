package dev.jmamba.tensor.cpu;

import static dev.jmamba.tensor.cpu.SgemmTestValues.random;
import static dev.jmamba.tensor.cpu.SgemmTestValues.sq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The narrow (6, V) tile of the (3, 3V) kernel ({@link SgemmSimd3Narrow}) on a last B panel of at
 * most V columns: seeded products whose N leaves 1, V/2 or V columns in the last panel, with row
 * counts that leave no, one or a partial 3-row panel after the 6-row groups, all four transposes
 * (A^T B^T runs swapped, into a transposed C), every A policy, alpha/beta and 1 and 2 threads.
 * Checked against the float64 {@link SgemmReference} and against the same kernel with the narrow
 * tile turned off, which must give the same bits (each element is the same multiply-add chain in
 * the same order of K).
 *
 * <p>Tolerance as in SgemmTest: |c - ref| &lt;= 2e-6 sqrt(k) (|alpha| |a_i|_2 |b_j|_2 + |beta c|)
 * + 1e-30, about 30x the random-walk estimate of fp32 summation error, while a dropped or doubled
 * term fails.
 */
class SgemmNarrowTileTest {
    @Test
    void narrowLastPanelMatchesTheReferenceAndTheFullTileBits() {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        SgemmKernel narrow = SgemmSimd.kernel(3), wide = withoutHalfTile(narrow);
        int v = narrow.halfNr(), nr = narrow.nr();
        int[] rowCounts = {6, 9, 13, 25, 197}, lastCols = {1, v / 2, v};
        float[][] scalars = {{1f, 0f}, {-0.5f, 2f}, {1f, 1f}, {1.5f, -1f}};
        int before = Parallel.threads();
        try {
            int s = 0;
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int m : rowCounts) {
                    for (int last : lastCols) {
                        for (int t = 0; t < 4; t++, s++) {
                            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                            // A^T B^T runs as C^T = B A: its narrow panel is the last of C's rows
                            int n = (ta && tb ? m : nr + last), mm = ta && tb ? nr + last : m;
                            int k = m == 197 ? 384 : 37 + s % 5;
                            float[] ab = scalars[s % scalars.length];
                            for (SgemmBlocked.APolicy policy : SgemmBlocked.APolicy.values()) {
                                check(narrow, wide, policy, ta, tb, mm, n, k, ab[0], ab[1], t == 3 ? 3 : 0, t >= 2 ? 5 : 0);
                            }
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static void check(SgemmKernel narrow, SgemmKernel wide, SgemmBlocked.APolicy policy, boolean ta, boolean tb,
                              int m, int n, int k, float alpha, float beta, int pad, int off) {
        SplittableRandom rnd = new SplittableRandom(1_000_003L * m + 1009L * n + k);
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        float[] a = random(rnd, off + aRows * lda), b = random(rnd, off + bRows * ldb), c0 = random(rnd, off + m * ldc);
        float[] want = c0.clone(), got = c0.clone(), full = c0.clone();
        SgemmReference.sgemm(ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, want, off, ldc);
        SgemmBlocked.sgemm(narrow, policy, ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, got, off, ldc);
        SgemmBlocked.sgemm(wide, policy, ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, full, off, ldc);
        String where = m + "x" + n + "x" + k + (ta ? " At" : "") + (tb ? " Bt" : "") + " " + policy + " alpha " + alpha
                + " beta " + beta + " on " + Parallel.threads() + " threads";
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double rowA = 0, colB = 0;
                for (int p = 0; p < k; p++) {
                    rowA += sq(ta ? a[off + p * lda + i] : a[off + i * lda + p]);
                    colB += sq(tb ? b[off + j * ldb + p] : b[off + p * ldb + j]);
                }
                int ci = off + i * ldc + j;
                double tol = 2e-6 * Math.sqrt(k) * (Math.abs(alpha) * Math.sqrt(rowA * colB) + Math.abs(beta * c0[ci])) + 1e-30;
                if (!(Math.abs(got[ci] - want[ci]) <= tol)) fail(where + ": C(" + i + ", " + j + ") = " + got[ci] + ", expected " + want[ci] + " +- " + tol);
            }
        }
        assertArrayEquals(full, got, where + ": the narrow tile changed bits against the full tile (or touched storage outside C)");
    }

    /** The kernel with its narrow tile turned off: the driver runs the full tile on the zero-padded last panel. */
    private static SgemmKernel withoutHalfTile(SgemmKernel kernel) {
        return new SgemmKernel() {
            @Override public int mr() { return kernel.mr(); }
            @Override public int nr() { return kernel.nr(); }
            @Override public String describe() { return kernel.describe() + " without the narrow tile"; }
            @Override public boolean readsRowsDirectly() { return kernel.readsRowsDirectly(); }
            @Override public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
                kernel.tile(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
            }
            @Override public void tileRows(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
                kernel.tileRows(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
            }
            @Override public void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float alpha, float[] ap, int apOff) {
                kernel.packA(transA, a, aOff, lda, i0, rows, p0, kc, alpha, ap, apOff);
            }
            @Override public void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp, int dst) {
                kernel.packBPanel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst);
            }
        };
    }
}
