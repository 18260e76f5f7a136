package dev.jmamba.tensor.cpu;

/**
 * The cache-blocked GEMM driver (the GotoBLAS/BLIS loop nest) around a {@link SgemmKernel}:
 *
 * <pre>
 * for jc in N by NC:                         (one block unless k * n is huge)
 *   pack op(B)(:, jc) into K blocks of NR-column panels          (once, by the caller)
 *   parallel over chunks = (M blocks of MC rows) x (N splits):   (claimed dynamically)
 *     for pc in K by KC:
 *       pack alpha*op(A)(ic, pc) into MR-row panels, or read A's rows in place
 *       for jr over the chunk's B panels:                      (one B panel lives in L1)
 *         for ir over the A panels: kernel -> C tile (MR, NR)
 * </pre>
 *
 * The first K block applies beta, later ones accumulate (beta = 1). Edge tiles are computed into a
 * scratch tile and merged. One parallel call per GEMM ({@link Parallel#forChunks}); each chunk owns
 * a rectangle of C for all of K, so the chunks need no barrier. An untransposed A with alpha = 1 is
 * read in place when the kernel can ({@link SgemmKernel#readsRowsDirectly}) and B is narrow enough
 * that packing A would cost more than it saves. Block sizes can be overridden with
 * -Djmamba.gemm.kc/mc (for tuning) and the A policy with -Djmamba.gemm.directA=auto|always|never.
 */
final class SgemmBlocked {
    static final int KC = Integer.getInteger("jmamba.gemm.kc", 384);
    static final int MC = Integer.getInteger("jmamba.gemm.mc", 192);
    /** Packed B of one column block holds at most this many floats (16 MiB). */
    private static final long B_PACK_MAX = 1L << 22;
    /** M blocks are not cut below this many rows to make more parallel chunks. */
    private static final int MC_MIN = 32;
    /** Below this many multiply-adds per call the work stays on the calling thread. */
    private static final long PARALLEL_MIN_FMAS = 1L << 21; // 128^3; below it 2 threads lost to 1 (GEMM-NOTES.md item 6)
    /** Read A in place when B has at most this many panels (more: packing A is amortised). */
    private static final int DIRECT_A_MAX_PANELS = 16;

    private static final ThreadLocal<float[][]> A_PACK = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> B_PACK = ThreadLocal.withInitial(() -> new float[1][0]);

    private SgemmBlocked() {}

    /** How the driver reads A: packed always, in place where allowed, or as {@link #directA} decides. */
    enum APolicy { AUTO, PACKED, IN_PLACE }

    private static final APolicy DEFAULT_POLICY = switch (System.getProperty("jmamba.gemm.directA", "auto")) {
        case "never" -> APolicy.PACKED;
        case "always" -> APolicy.IN_PLACE;
        default -> APolicy.AUTO;
    };

    /** Same contract as {@link Sgemm#sgemm}; arguments already validated, m, n, k &gt; 0. */
    static void sgemm(SgemmKernel kernel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        sgemm(kernel, DEFAULT_POLICY, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** As above with an explicit A policy (tests run every path). */
    static void sgemm(SgemmKernel kernel, APolicy policy, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        int mr = kernel.mr(), nr = kernel.nr();
        int threads = Parallel.threads() > 1 && (long) m * n * k >= PARALLEL_MIN_FMAS ? Parallel.threads() : 1;
        int kBlocks = Math.ceilDiv(k, KC), kc = Math.ceilDiv(k, kBlocks); // equal K blocks, no short tail
        int ncMax = (int) Math.max(nr, Math.min(roundUp(n, nr), B_PACK_MAX / k / nr * nr));
        // M blocks of at most MC rows; with threads, at least 2 chunks per thread where M allows
        int target = threads == 1 ? 1 : 2 * threads;
        int mBlocks = Math.max(Math.ceilDiv(m, MC), Math.min(target, Math.ceilDiv(m, MC_MIN)));
        int mc = roundUp(Math.ceilDiv(m, mBlocks), mr);
        int mBlocksF = Math.ceilDiv(m, mc);

        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc), nPanels = Math.ceilDiv(nc, nr);
            boolean direct = directA(kernel, policy, transA, alpha, nPanels);
            float[] bp = buffer(B_PACK, (long) k * nPanels * nr); // K blocks of (nPanels, kc, nr)
            for (int pb = 0; pb < kBlocks; pb++) {
                int p0 = pb * kc, kcb = Math.min(kc, k - p0), base = p0 * nPanels * nr;
                for (int q = 0; q < nPanels; q++) {
                    int j0 = jc + q * nr;
                    kernel.packBPanel(transB, b, bOff, ldb, p0, kcb, j0, Math.min(nr, n - j0), bp, base + q * kcb * nr);
                }
            }
            int nSplits = mBlocksF >= target ? 1 : Math.min(nPanels, Math.ceilDiv(target, mBlocksF));
            int panelsPerSplit = Math.ceilDiv(nPanels, nSplits);
            int jcF = jc;
            Parallel.forChunks(mBlocksF * nSplits, t -> {
                int ic = (t / nSplits) * mc, rows = Math.min(mc, m - ic);
                int q0 = (t % nSplits) * panelsPerSplit, q1 = Math.min(nPanels, q0 + panelsPerSplit);
                if (q0 >= q1) return;
                float[] ap = buffer(A_PACK, (long) roundUp(rows, mr) * kc); // (mPanels, kc, mr)
                float[] scratch = new float[mr * nr];
                for (int pb = 0; pb < kBlocks; pb++) {
                    int p0 = pb * kc, kcb = Math.min(kc, k - p0);
                    float betaNow = pb == 0 ? beta : 1f;
                    int bBase = p0 * nPanels * nr;
                    if (direct) {
                        int full = rows / mr * mr;
                        if (full < rows) kernel.packA(false, a, aOff, lda, ic + full, rows - full, p0, kcb, alpha, ap, 0);
                        macroKernel(kernel, kcb, a, aOff + ic * lda + p0, lda, ap, rows, bp, bBase, q0, q1, jcF, n,
                                betaNow, c, cOff + ic * ldc, ldc, scratch);
                    } else {
                        kernel.packA(transA, a, aOff, lda, ic, rows, p0, kcb, alpha, ap, 0);
                        macroKernel(kernel, kcb, null, 0, 0, ap, rows, bp, bBase, q0, q1, jcF, n,
                                betaNow, c, cOff + ic * ldc, ldc, scratch);
                    }
                }
            });
        }
    }

    /** The blocking and policies in force, for benchmark reports. */
    static String describe(SgemmKernel kernel) {
        return kernel.describe() + "; KC " + KC + " (K split in equal blocks), MC " + MC + " (min " + MC_MIN
                + " for parallel chunks), B packed whole per column block (<= " + B_PACK_MAX + " floats); A "
                + switch (DEFAULT_POLICY) {
                    case AUTO -> "read in place when untransposed, alpha = 1 and B has <= " + DIRECT_A_MAX_PANELS + " panels, else packed";
                    case PACKED -> "always packed";
                    case IN_PLACE -> "read in place when untransposed and alpha = 1";
                }
                + "; parallel from " + PARALLEL_MIN_FMAS + " multiply-adds, " + Parallel.threads() + " threads";
    }

    /** Whether A is read in place: allowed for an untransposed A with alpha = 1 and a kernel that can. */
    private static boolean directA(SgemmKernel kernel, APolicy policy, boolean transA, float alpha, int nPanels) {
        if (transA || alpha != 1f || !kernel.readsRowsDirectly() || policy == APolicy.PACKED) return false;
        return policy == APolicy.IN_PLACE || nPanels <= DIRECT_A_MAX_PANELS;
    }

    /**
     * Runs every (A panel, B panel q in [q0, q1)) tile of one block into C rows from cOff. With
     * {@code a != null} the full A panels are read in place (row r at {@code a[aRow0 + r*lda]}) and
     * only a short last panel is packed, at {@code ap[0]}; else all A panels are packed in ap.
     */
    private static void macroKernel(SgemmKernel kernel, int kc, float[] a, int aRow0, int lda, float[] ap, int rows,
                                    float[] bp, int bBase, int q0, int q1, int jc, int n,
                                    float beta, float[] c, int cOff, int ldc, float[] scratch) {
        int mr = kernel.mr(), nr = kernel.nr();
        int full = rows / mr * mr;
        for (int q = q0; q < q1; q++) {
            int j0 = jc + q * nr, cols = Math.min(nr, n - j0), bpOff = bBase + q * kc * nr;
            for (int r0 = 0; r0 < rows; r0 += mr) {
                int live = Math.min(mr, rows - r0);
                int cTile = cOff + r0 * ldc + j0;
                boolean inPlace = a != null && r0 < full;
                int apOff = a == null ? (r0 / mr) * kc * mr : 0;
                if (live == mr && cols == nr) {
                    if (inPlace) kernel.tileRows(kc, a, aRow0 + r0 * lda, lda, bp, bpOff, beta, c, cTile, ldc);
                    else kernel.tile(kc, ap, apOff, bp, bpOff, beta, c, cTile, ldc);
                } else {
                    if (inPlace) kernel.tileRows(kc, a, aRow0 + r0 * lda, lda, bp, bpOff, 0f, scratch, 0, nr);
                    else kernel.tile(kc, ap, apOff, bp, bpOff, 0f, scratch, 0, nr);
                    for (int r = 0; r < live; r++) {
                        int ci = cTile + r * ldc, si = r * nr;
                        if (beta == 0f) {
                            System.arraycopy(scratch, si, c, ci, cols);
                        } else {
                            for (int j = 0; j < cols; j++) c[ci + j] = scratch[si + j] + beta * c[ci + j];
                        }
                    }
                }
            }
        }
    }

    /** A thread-local buffer of at least {@code size} floats, grown (never shrunk) on demand. */
    private static float[] buffer(ThreadLocal<float[][]> holder, long size) {
        float[][] box = holder.get();
        if (box[0].length < size) {
            if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("sgemm: packing buffer of " + size + " floats is too large");
            box[0] = new float[(int) size];
        }
        return box[0];
    }

    static int roundUp(int x, int multiple) {
        return Math.ceilDiv(x, multiple) * multiple;
    }
}
