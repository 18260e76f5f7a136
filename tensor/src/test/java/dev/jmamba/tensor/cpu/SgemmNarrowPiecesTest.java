package dev.jmamba.tensor.cpu;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
        long seed = 31L * shape[0] + 7L * shape[1] + shape[2];
        return SgemmTestValues.runTransposedBoth(shape, alpha, beta, seed, what, (m, n, k, al, a, off, lda, b, ldb, be, c, ldc) ->
                SgemmBlocked.sgemm(kernel, policy, true, true, m, n, k, al, a, off, lda, b, off, ldb, be, c, off, ldc));
    }
}
