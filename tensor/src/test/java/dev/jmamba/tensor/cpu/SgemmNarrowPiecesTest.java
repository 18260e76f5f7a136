package dev.jmamba.tensor.cpu;

import static dev.jmamba.tensor.cpu.SgemmTestValues.random;
import static dev.jmamba.tensor.cpu.SgemmTestValues.sq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * With {@code -Djmamba.gemm.narrowPieces=true}, a transposed C (A^T B^T run as C^T = B A) whose last panel runs the
 * narrow tile is split on threads into splits of the full panels plus one row piece of the narrow panel per thread
 * ({@link SgemmBlocked.NarrowPieces}).
 * Checked: the chunk layout (every chunk is one split or one piece, each thread's home share holds exactly its
 * own piece, the pieces tile the rows in multiples of the narrow tile's rows), and the products on 2, 3 and 4
 * threads against the float64 {@link SgemmReference} for every SIMD tile and A policy, with C's shapes chosen so
 * that the last panel is narrow, pieces are empty or end in a short row panel, and alpha, beta, offsets and
 * padded leading dimensions vary; the bits must equal the one-thread product's (same tiles, same order of K).
 *
 * <p>Tolerance as in SgemmSwapTest: |c - ref| &lt;= 2e-6 sqrt(k) (|alpha| |a_i|_2 |b_j|_2 + |beta c|) + 1e-30.
 */
class SgemmNarrowPiecesTest {
    /** m (C rows = the swapped product's N), n (its M, cut into pieces), k, pad, offset; at least 2^21 multiply-adds so threads run. */
    private static final int[][] SHAPES = {
        {197, 44, 384, 0, 0}, {197, 192, 384, 3, 5}, {101, 61, 400, 1, 2}, {400, 7, 1000, 0, 1}, {263, 13, 700, 2, 0}};
    private static final float[][] SCALARS = {{1f, 0f}, {-0.5f, 2f}, {1f, 1f}, {1.5f, -1f}, {1f, 0.5f}};

    @Test
    void chunksAreSplitsAndOnePiecePerThreadInItsHomeShare() {
        for (int threads = 2; threads <= 5; threads++) {
            for (int splits = threads; splits <= 3 * threads + 1; splits++) {
                for (int m : new int[] {1, 7, 44, 61, 192}) {
                    for (int quantum : new int[] {6, 8}) {
                        SgemmBlocked.NarrowPieces p = new SgemmBlocked.NarrowPieces(splits, threads, m, quantum);
                        String where = "splits " + splits + ", threads " + threads + ", m " + m + ", quantum " + quantum;
                        int[] splitSeen = new int[splits];
                        for (int t = 0; t < p.chunks(); t++) {
                            int piece = p.piece(t);
                            if (piece >= 0) assertEquals(piece, HomeChunks.home(t, p.chunks(), threads), where + ": piece of chunk " + t + " outside its home share");
                            else splitSeen[p.split(t)]++;
                        }
                        for (int s = 0; s < splits; s++) assertEquals(1, splitSeen[s], where + ": split " + s);
                        assertEquals(0, p.rowStart(0), where);
                        assertEquals(m, p.rowStart(threads), where);
                        for (int w = 0; w < threads; w++) {
                            int r0 = p.rowStart(w), r1 = p.rowStart(w + 1);
                            assertTrue(r0 <= r1 && (r0 % quantum == 0 || r0 == m), where + ": piece " + w + " rows " + r0 + ".." + r1);
                        }
                    }
                }
            }
        }
    }

    @Test
    void productsMatchTheReferenceAndTheOneThreadBits() {
        if (!SimdSupport.ENABLED) return; // the scalar kernel has no narrow tile: no pieces
        List<SgemmKernel> kernels = new ArrayList<>();
        for (int mr : new int[] {3, 4, 8}) kernels.add(SgemmSimd.kernel(mr));
        int before = Parallel.threads();
        boolean wasOn = SgemmBlocked.narrowPieces;
        SgemmBlocked.narrowPieces = true; // off by default (-Djmamba.gemm.narrowPieces)
        try {
            for (int s = 0; s < SHAPES.length; s++) {
                float[] ab = SCALARS[s];
                for (SgemmKernel kernel : kernels) {
                    for (SgemmBlocked.APolicy policy : SgemmBlocked.APolicy.values()) {
                        float[] first = null;
                        for (int threads : new int[] {1, 2, 3, 4}) {
                            Parallel.setThreads(threads);
                            String what = kernel.describe() + " " + policy + " threads " + threads;
                            float[] c = run(SHAPES[s], ab[0], ab[1], kernel, policy, what);
                            if (first == null) first = c;
                            else assertArrayEquals(first, c, what + ": not the one-thread bits");
                        }
                    }
                }
            }
        } finally {
            SgemmBlocked.narrowPieces = wasOn;
            Parallel.setThreads(before);
        }
    }

    /** Runs A^T B^T through the driver on padded, offset storage; checks it against the reference and returns C's storage. */
    private static float[] run(int[] shape, float alpha, float beta, SgemmKernel kernel, SgemmBlocked.APolicy policy, String what) {
        int m = shape[0], n = shape[1], k = shape[2], pad = shape[3], off = shape[4];
        SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n + k);
        int lda = m + pad, ldb = k + pad, ldc = n + pad; // A stored (k, m), B stored (n, k)
        float[] a = random(rnd, off + k * lda), b = random(rnd, off + n * ldb), c0 = random(rnd, off + m * ldc + 3);
        float[] c = c0.clone(), want = c0.clone();
        SgemmReference.sgemm(true, true, m, n, k, alpha, a, off, lda, b, off, ldb, beta, want, off, ldc);
        SgemmBlocked.sgemm(kernel, policy, true, true, m, n, k, alpha, a, off, lda, b, off, ldb, beta, c, off, ldc);
        String where = what + ", " + m + "x" + n + "x" + k + " alpha " + alpha + " beta " + beta;
        double[] colB = new double[n];
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) colB[j] += sq(b[off + j * ldb + p]);
        for (int i = 0; i < m; i++) {
            double rowA = 0;
            for (int p = 0; p < k; p++) rowA += sq(a[off + p * lda + i]);
            for (int j = 0; j < n; j++) {
                int ci = off + i * ldc + j;
                double tol = 2e-6 * Math.sqrt(k) * (Math.abs(alpha) * Math.sqrt(rowA * colB[j]) + Math.abs(beta * c0[ci])) + 1e-30;
                if (!(Math.abs(c[ci] - want[ci]) <= tol)) fail(where + ": C(" + i + ", " + j + ") = " + c[ci] + ", expected " + want[ci] + " +- " + tol);
            }
        }
        for (int x = 0; x < c.length; x++) {
            int rel = x - off;
            if (rel < 0 || rel >= m * ldc || rel % ldc >= n) assertEquals(c0[x], c[x], where + ": C storage at " + x + " outside the matrix changed");
        }
        return c;
    }
}
