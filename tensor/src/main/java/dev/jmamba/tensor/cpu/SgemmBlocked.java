package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;

/**
 * The cache-blocked GEMM driver (the GotoBLAS/BLIS loop nest) around a {@link SgemmKernel}:
 *
 * <pre>
 * for jc in N by NC:                     B block (KC, NC) lives in L3
 *   for pc in K by KC:
 *     pack op(B)(pc, jc) into NR-column panels           (shared, packed in parallel)
 *     parallel over (M blocks of MC rows) x (N splits):
 *       pack alpha*op(A)(ic, pc) into MR-row panels        (per thread, lives in L2)
 *       for jr over the B panels:                         (one B panel, KC x NR, lives in L1)
 *         for ir over the A panels: kernel -> C tile (MR, NR)
 * </pre>
 *
 * The first K block applies beta, later ones accumulate (beta = 1). Edge tiles are computed into a
 * scratch tile and merged. M is split across threads; when M has fewer blocks than threads the B
 * panels are split too. Block sizes can be overridden with -Djmamba.gemm.kc/mc/nc (for tuning).
 */
final class SgemmBlocked {
    static final int KC = Integer.getInteger("jmamba.gemm.kc", 256);
    static final int MC = Integer.getInteger("jmamba.gemm.mc", 192);
    static final int NC = Integer.getInteger("jmamba.gemm.nc", 4096);
    /** Below this many multiply-adds per call the work stays on the calling thread. */
    private static final long PARALLEL_MIN_FMAS = 1L << 21; // 128^3; below it 2 threads lost to 1 (GEMM-NOTES.md item 6)

    private static final ThreadLocal<float[][]> A_PACK = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> B_PACK = ThreadLocal.withInitial(() -> new float[1][0]);

    private SgemmBlocked() {}

    /** Same contract as {@link Sgemm#sgemm}; arguments already validated, m, n, k &gt; 0. */
    static void sgemm(SgemmKernel kernel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        int mr = kernel.mr(), nr = kernel.nr();
        boolean parallel = Parallel.threads() > 1 && (long) m * n * k >= PARALLEL_MIN_FMAS;
        int threads = parallel ? Parallel.threads() : 1;
        int kcMax = Math.min(KC, k);
        int ncMax = roundUp(Math.min(NC, n), nr);
        float[] bp = buffer(B_PACK, (long) kcMax * ncMax); // (nPanels, kc, nr), shared by the workers
        // M blocks of at most MC rows, their count a multiple of the threads so each gets equal work
        int mBlocks = roundUp(Math.ceilDiv(m, MC), threads);
        int mc = roundUp(Math.ceilDiv(m, mBlocks), mr);
        mBlocks = Math.ceilDiv(m, mc);

        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), nPanels = Math.ceilDiv(nc, nr);
            int nSplits = mBlocks >= threads ? 1 : Math.min(nPanels, Math.ceilDiv(threads, mBlocks));
            int panelsPerSplit = Math.ceilDiv(nPanels, nSplits);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaNow = pc == 0 ? beta : 1f;
                int jcF = jc, pcF = pc;
                run(parallel, nPanels, (s, e) -> {
                    for (int q = s; q < e; q++) {
                        int j0 = jcF + q * nr;
                        SgemmPack.packBPanel(transB, b, bOff, ldb, pcF, kc, j0, Math.min(nr, n - j0), bp, q * kc * nr, nr);
                    }
                });
                run(parallel, mBlocks * nSplits, (s, e) -> {
                    for (int t = s; t < e; t++) {
                        int ic = (t / nSplits) * mc, rows = Math.min(mc, m - ic);
                        int q0 = (t % nSplits) * panelsPerSplit, q1 = Math.min(nPanels, q0 + panelsPerSplit);
                        if (q0 >= q1) continue;
                        float[] ap = buffer(A_PACK, (long) roundUp(rows, mr) * kc); // (mPanels, kc, mr)
                        SgemmPack.packA(transA, a, aOff, lda, ic, rows, pcF, kc, alpha, ap, mr);
                        macroKernel(kernel, kc, ap, rows, bp, q0, q1, jcF, n, betaNow, c, cOff + ic * ldc, ldc);
                    }
                });
            }
        }
    }

    /** Runs every (A panel, B panel q in [q0, q1)) tile of one packed block into C rows from cOff. */
    private static void macroKernel(SgemmKernel kernel, int kc, float[] ap, int rows, float[] bp, int q0, int q1,
                                    int jc, int n, float beta, float[] c, int cOff, int ldc) {
        int mr = kernel.mr(), nr = kernel.nr();
        float[] scratch = null; // (mr, nr), only for edge tiles
        for (int q = q0; q < q1; q++) {
            int j0 = jc + q * nr, cols = Math.min(nr, n - j0), bpOff = q * kc * nr;
            for (int r0 = 0; r0 < rows; r0 += mr) {
                int live = Math.min(mr, rows - r0), apOff = (r0 / mr) * kc * mr;
                int cTile = cOff + r0 * ldc + j0;
                if (live == mr && cols == nr) {
                    kernel.tile(kc, ap, apOff, bp, bpOff, beta, c, cTile, ldc);
                } else {
                    if (scratch == null) scratch = new float[mr * nr];
                    kernel.tile(kc, ap, apOff, bp, bpOff, 0f, scratch, 0, nr);
                    for (int r = 0; r < live; r++) {
                        for (int j = 0; j < cols; j++) {
                            int ci = cTile + r * ldc + j;
                            c[ci] = beta == 0f ? scratch[r * nr + j] : scratch[r * nr + j] + beta * c[ci];
                        }
                    }
                }
            }
        }
    }

    private static void run(boolean parallel, int count, Parallel.RangeBody body) {
        if (parallel) {
            Parallel.forBlocks(count, 1, body);
        } else {
            body.run(0, count);
        }
    }

    /** A thread-local buffer of at least {@code size} floats, grown (never shrunk) on demand. */
    private static float[] buffer(ThreadLocal<float[][]> holder, long size) {
        float[][] box = holder.get();
        if (box[0].length < size) {
            if (size > Integer.MAX_VALUE - 8) throw new JmambaException("sgemm: packing buffer of " + size + " floats is too large");
            box[0] = new float[(int) size];
        }
        return box[0];
    }

    static int roundUp(int x, int multiple) {
        return Math.ceilDiv(x, multiple) * multiple;
    }
}
