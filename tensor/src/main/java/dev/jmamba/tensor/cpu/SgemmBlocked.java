package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;

/**
 * The cache-blocked GEMM driver (the GotoBLAS/BLIS loop nest) around a {@link SgemmKernel}:
 *
 * <pre>
 * for jc in N by NC:                         (one block unless k * n is huge)
 *   parallel over chunks = (M blocks of MC rows) x (N splits):   (a home share per thread)
 *     for pc in K by KC:
 *       pack alpha*op(A)(ic, pc) into MR-row panels, or read A's rows in place
 *       for jr over the chunk's B panels:                      (one B panel lives in L1)
 *         pack op(B)(pc, jr) unless another chunk has           (once per GEMM)
 *         for ir over the A panels: kernel -> C tile (MR, NR)
 * </pre>
 *
 * The first K block applies beta, later ones accumulate (beta = 1). Edge tiles are computed into a
 * scratch tile and merged. One parallel call per GEMM ({@link HomeChunks}: each thread first runs its own share
 * of the chunks, so the same thread writes the same rows of C on every call); each chunk owns
 * a rectangle of C for all of K, so the chunks need no barrier. Each B panel is packed by the first
 * chunk that reaches it (chunks sharing panels start at different ones; one that finds a panel being packed packs
 * its own copy rather than wait), so packing B is spread over the threads and a panel is used while it is still in
 * cache; an M that fits one MC block is split by B panels only, so that the threads share no panel at all. An untransposed A with alpha = 1 is
 * read in place when the kernel can ({@link SgemmKernel#readsRowsDirectly}) and a chunk multiplies it with
 * few enough B panels that packing A would cost more than it saves. Block sizes can be overridden with
 * -Djmamba.gemm.kc/mc (for tuning) and the A policy with -Djmamba.gemm.directA=auto|always|never.
 *
 * <p>A product with both operands transposed, C = A^T B^T, runs as C^T = B A: both operands are then
 * read as stored (no transposed packing), and the tiles of C^T are merged into C transposed; such a
 * C is split among threads by its rows only (the driver's N panels), never by neighbouring columns
 * of the same rows, whose cache lines two threads would share.
 *
 * <p>Block sizes follow the L2 size ({@link Blocking#of}): the B micro-panel (KC, NR) that every A
 * panel of a block is multiplied with takes an eighth of L2, the packed A block (MC, KC) half.
 */
final class SgemmBlocked {
    /** Overrides of the cache-derived block sizes (0: derive from {@link CpuCaches}). */
    private static final int KC_PROPERTY = Integer.getInteger("jmamba.gemm.kc", 0), MC_PROPERTY = Integer.getInteger("jmamba.gemm.mc", 0);
    /** Packed B of one column block holds at most this many floats (16 MiB). */
    private static final long B_PACK_MAX = 1L << 22;
    /** Parallel chunks per thread the M split aims at (more: finer dynamic balance, more passes over packed B). */
    private static final int CHUNKS_PER_THREAD = Integer.getInteger("jmamba.gemm.chunksPerThread", 2);
    /** M blocks are not cut below this many rows to make more parallel chunks. */
    private static final int MC_MIN = 32;
    /**
     * Multiply-adds per thread at least: a product of f multiply-adds runs on min(threads, f / this) threads, so
     * below 2 * this it stays on the calling thread. 2^18 (Zen 4, 2 threads, one shape per JVM, GEMM-NOTES.md
     * 2026-12-05 #15): on two threads 96³ ran at 136 GFLOP/s (median of 6 JVMs) against 101 on one, 197x384x12 at 131
     * against 77, 26x196x384 (1.96 M) at 1.5x in every run; 64³ (2^18) stays on one thread: 134 on two but 91 in the
     * worst JVM, against 95 on one. Until SPLIT_N_ONLY such products shared their B panels between the threads and
     * fell to 0.4x of one thread in some JVMs, so the rule was 2^19 for a while. The old rule (all threads from 128³,
     * else one) dates from parked helpers (item 6).
     */
    private static final long FMAS_PER_THREAD = Long.getLong("jmamba.gemm.fmasPerThread", 1L << 18);
    /** K blocks run side by side while M has at most this many MC blocks per thread (experiment: 0 turns it off). */
    private static final int K_GROUPS_MAX_MBLOCKS = Integer.getInteger("jmamba.gemm.kGroupsMaxMBlocks", 1);
    /**
     * A product whose M fits one MC block is split among threads by B panels only, so that no thread reads a B panel
     * another packed ({@code -Djmamba.gemm.splitNOnly=false}: M cut into blocks of at least MC_MIN rows, all sharing
     * every panel). On this 2-vCPU VM the round trip between the two cores is 50-60 ns at times and 330-380 ns at
     * others (the host moves the vCPUs), and a shared panel crosses between the cores on every call: 64³ on two
     * threads ran at 55-60 or 110-140 GFLOP/s per JVM (GEMM-NOTES.md 2026-12-05 #15).
     */
    private static final boolean SPLIT_N_ONLY = Boolean.parseBoolean(System.getProperty("jmamba.gemm.splitNOnly", "true"));
    /** Read A in place when a chunk multiplies it with at most this many B panels (more: packing A is amortised). */
    private static final int DIRECT_A_MAX_PANELS = 16;

    private static final ThreadLocal<float[][]> A_PACK = ThreadLocal.withInitial(() -> new float[1][0]);
    /** The packed B of a column block (one per thread share with {@link #privateB}), the calling thread's. */
    private static final ThreadLocal<float[][][]> B_PACKS = ThreadLocal.withInitial(() -> new float[1][0][]);
    /** A chunk's own copy of a B panel that another chunk is packing at that moment (see {@link BPanels#ready}). */
    private static final ThreadLocal<float[][]> B_OWN = ThreadLocal.withInitial(() -> new float[1][0]);
    /** Partial products of K blocks run side by side (see kGroups). */
    private static final ThreadLocal<float[][]> C_PART = ThreadLocal.withInitial(() -> new float[1][0]);

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
        if (transA && transB && SWAP_TT) {
            // C = A^T B^T is C^T = B A with both operands stored untransposed: B's rows are read in
            // place or packed from row streams, A's rows copied into B panels with vector copies, and
            // no transposed packing is left; the tiles of C^T are written transposed (issue 22:
            // packing a transposed A took a fifth of 197x44x384 on one thread)
            blocked(kernel, policy, false, false, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, 1, ldc);
        } else {
            blocked(kernel, policy, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 1);
        }
    }

    /** Threads an (m, n, k) product runs on: one per {@code FMAS_PER_THREAD} multiply-adds, at most all. */
    static int threads(int m, int n, int k) {
        return (int) Math.max(1, Math.min(Parallel.threads(), (long) m * n * k / FMAS_PER_THREAD));
    }

    /**
     * The driver: as {@link #sgemm} but element (i, j) of the (m, n) product goes to
     * {@code c[cOff + i*rs + j*cs]}: rs = ldc, cs = 1 for C itself, rs = 1, cs = ldc for C^T
     * (package-private for SgemmSwapTest, which runs A^T B^T through it unswapped).
     */
    static void blocked(SgemmKernel kernel, APolicy policy, boolean transA, boolean transB, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int rs, int cs) {
        int mr = kernel.mr(), nr = kernel.nr();
        Blocking blocking = Blocking.of(kernel, CpuCaches.DETECTED, k);
        int threads = threads(m, n, k);
        int kc = blocking.kc(), kBlocks = Math.ceilDiv(k, kc);
        int ncMax = (int) Math.max(nr, Math.min(roundUp(n, nr), B_PACK_MAX / k / nr * nr));
        // K blocks side by side when M is too short to give each thread a block of MC rows (weight
        // gradients such as 48x192x1600: two threads on 24-row blocks sharing every B panel ran slower
        // than one). Block 0 writes C, the others partial products that are added to C afterwards in
        // block order: the arithmetic of the serial loop (each later block adds its product to C), so
        // the bits do not depend on the thread count.
        int kGroups = threads > 1 && kBlocks > 1 && Math.ceilDiv(m, blocking.mc()) <= K_GROUPS_MAX_MBLOCKS * threads ? kBlocks : 1;
        // M blocks of at most MC rows; with threads, at least 2 chunks per thread where M allows. With K groups, one
        // chunk per group where there are as many groups as threads: two chunks of a group share its B panels, and a
        // caller that stole the late helper's second chunk waited on the helper's packing; the helper then came late to
        // the next call too (it had parked), a state that lasted: 48x192x1600 AᵀB ran at 70-88 GFLOP/s in some JVMs and
        // 186-191 in others. With helpers parked after every job, 5 alternated JVMs: 172, 67, 68, 172, 172 before,
        // 142, 169, 166, 172, 175 after (2 threads, Zen 4; GEMM-NOTES.md 2026-12-05)
        int target = threads == 1 ? 1 : kGroups > 1 ? Math.max(1, threads / kGroups) : CHUNKS_PER_THREAD * threads;
        // (a transposed C is split by its rows, the N panels here: two threads writing the same
        // C rows at neighbouring columns share cache lines; 197x44x384 A^T B^T ran slower on two threads than on one;
        // and an M that fits one MC block is split by N panels only, see SPLIT_N_ONLY: no B panel shared between threads)
        boolean nOnly = cs != 1 || (SPLIT_N_ONLY && kGroups == 1 && Math.ceilDiv(m, blocking.mc()) == 1
                && Math.ceilDiv(Math.min(n, ncMax), nr) >= threads);
        int mBlocks = nOnly ? Math.ceilDiv(m, blocking.mc()) : Math.max(Math.ceilDiv(m, blocking.mc()), Math.min(target, Math.ceilDiv(m, MC_MIN)));
        // a multiple of the threads where M allows: 5 blocks on 2 threads would leave one thread a third idle (K groups:
        // the groups are the threads' work)
        if (threads > 1 && kGroups == 1 && !nOnly && roundUp(mBlocks, threads) <= Math.ceilDiv(m, MC_MIN)) mBlocks = roundUp(mBlocks, threads);
        int mc = roundUp(Math.ceilDiv(m, mBlocks), mr);
        int mBlocksF = Math.ceilDiv(m, mc);

        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc), nPanels = Math.ceilDiv(nc, nr);
            boolean inPlaceAllowed = inPlaceAllowed(kernel, policy, transA, alpha);
            // with privateB, one packed B per thread share (chunks of one share use theirs), else one for all
            int copies = privateB && threads > 1 ? threads : 1;
            // each: K blocks of (nPanels, kc, nr), from the buffer's first 64-byte line (BPanels)
            float[][] bps = buffers(B_PACKS, copies, ArrayLines.LINE_FLOATS + (long) k * nPanels * nr);
            float[] part = kGroups > 1 ? buffer(C_PART, (long) (kGroups - 1) * m * nc) : null; // (kGroups - 1, m, nc)
            // a transposed C split by panels only, whose last panel runs the narrow tile: the full panels are split,
            // and the narrow one is cut by rows into one piece per thread (see NarrowPieces; with at least one full
            // panel per thread; off by default: same-run A/B on 2 vCPUs was mixed, GEMM-NOTES fifth pass)
            NarrowPieces pieces = narrowPieces && cs != 1 && threads > 1 && kGroups == 1 && mBlocksF == 1 && nPanels - 1 >= threads
                    && kernel.hasHalfTile() && nc - (nPanels - 1) * nr <= kernel.halfNr()
                    ? new NarrowPieces(Math.min(nPanels - 1, target), threads, m, kernel.halfRows()) : null;
            int splitPanels = pieces != null ? nPanels - 1 : nPanels;
            int nSplits = pieces != null ? pieces.splits() : mBlocksF >= target ? 1 : Math.min(nPanels, Math.ceilDiv(target, mBlocksF));
            BPanels[] panelSets = new BPanels[copies];
            for (int w = 0; w < copies; w++) panelSets[w] = new BPanels(kernel, transB, b, bOff, ldb, jc, n, k, kc, nPanels, bps[w]);
            int jcF = jc;
            // at most `threads` threads: below the parallel threshold every chunk stays on the caller;
            // each thread has a home share of the chunks, the same rows of C on every call
            int perGroup = mBlocksF * nSplits, chunks = pieces != null ? pieces.chunks() : perGroup * kGroups;
            HomeChunks.run(chunks, threads, t -> {
                int piece = pieces != null ? pieces.piece(t) : -1;
                int group = pieces != null ? 0 : t / perGroup, u = pieces != null ? (piece >= 0 ? 0 : pieces.split(t)) : t % perGroup;
                int mb = u / nSplits, ic = piece >= 0 ? pieces.rowStart(piece) : mb * mc;
                int rows = piece >= 0 ? pieces.rowStart(piece + 1) - ic : Math.min(mc, m - ic);
                // the panels split evenly (9 panels in 4 splits: 2, 2, 2, 3, not 3, 3, 3, 0, which left a thread 6 to the other's 3);
                // M block mb starts at split mb, so that threads on different M blocks start on different B panels (64³ on
                // 2 threads: 2 M blocks x 2 splits, both threads took panel 0, then panel 1, one waiting on the other's packing)
                int split = (u % nSplits + mb) % nSplits, q0 = piece >= 0 ? nPanels - 1 : split * splitPanels / nSplits;
                int q1 = piece >= 0 ? nPanels : (split + 1) * splitPanels / nSplits, span = q1 - q0;
                if (span <= 0 || rows <= 0) return;
                // the threads start on their shares at the same time and start their B panels an
                // equal share apart: each packs its share, then finds the others' packed (a start
                // only 1/mBlocks apart made the second thread wait at every panel for the first to
                // pack it, issue 22)
                int home = HomeChunks.home(t, chunks, threads), rotate = (int) ((long) home * span / threads);
                // A's rows are read in place where this chunk multiplies them with few B panels: packing them is
                // amortised over the chunk's panels, not the column block's (196x1536x384 on 16 threads: each of the
                // 16 chunks packed all 196 rows of A for its 3 panels; issue 22, GEMM-NOTES.md 2026-12-06 #18)
                boolean direct = inPlaceAllowed && (policy == APolicy.IN_PLACE || span <= DIRECT_A_MAX_PANELS);
                BPanels panels = panelSets[copies == 1 ? 0 : home];
                float[] bp = panels.bp;
                float[] ap = buffer(A_PACK, (long) roundUp(rows, mr) * kc); // (mPanels, kc, mr)
                // the tile (or a transposed C's group of tiles), then 64 floats for mergeTransposed
                float[] scratch = new float[Math.max(Math.max(mr, kernel.halfRows()), cs != 1 && TRANSPOSE8 ? groupRows(mr) : 0) * nr + 64];
                float[] own = buffer(B_OWN, (long) kc * nr); // (kc, nr)
                int full = rows / mr * mr;
                for (int pb = kGroups > 1 ? group : 0, pbEnd = kGroups > 1 ? group + 1 : kBlocks; pb < pbEnd; pb++) {
                    int p0 = pb * kc, kcb = Math.min(kc, k - p0);
                    boolean toPart = pb > 0 && kGroups > 1;
                    float betaNow = pb == 0 ? beta : toPart ? 0f : 1f;
                    // C, or partial product pb - 1 (row i, column jc + j at part[(pb-1)*m*nc + i*nc + j])
                    float[] out = toPart ? part : c;
                    int outOff = toPart ? (pb - 1) * m * nc + ic * nc - jcF : cOff + ic * rs;
                    int outRs = toPart ? nc : rs, outCs = toPart ? 1 : cs;
                    if (!direct) kernel.packA(transA, a, aOff, lda, ic, rows, p0, kcb, alpha, ap, 0);
                    else if (full < rows) kernel.packA(false, a, aOff, lda, ic + full, rows - full, p0, kcb, alpha, ap, 0);
                    for (int i = 0; i < span; i++) {
                        int q = q0 + (i + rotate) % span;
                        int bpOff = panels.ready(pb, q, own);
                        panelTiles(kernel, kcb, direct ? a : null, aOff + ic * lda + p0, lda, ap, rows,
                                bpOff == BPanels.OWN_COPY ? own : bp, Math.max(bpOff, 0),
                                jcF + q * nr, n, betaNow, out, outOff, outRs, outCs, scratch);
                    }
                }
            });
            if (kGroups > 1) addPartials(c, cOff + jc * cs, rs, cs, part, m, nc, kGroups - 1);
        }
    }

    /**
     * C(m, nc) += each of the {@code count} partial products (count, m, nc), in order, per element;
     * element (i, j) of C at {@code c[cOff + i*rs + j*cs]}.
     */
    private static void addPartials(float[] c, int cOff, int rs, int cs, float[] part, int m, int nc, int count) {
        Parallel.forBlocks(m, Math.max(1, (1 << 14) / nc), (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int ci = cOff + i * rs;
                for (int g = 0; g < count; g++) {
                    int pi = (g * m + i) * nc;
                    for (int j = 0; j < nc; j++) c[ci + j * cs] += part[pi + j];
                }
            }
        });
    }

    /**
     * The chunks of a transposed C (split by its panels only) whose last panel is narrow: {@code splits} chunks of
     * the full panels and {@code threads} pieces of the narrow panel, each a range of rows in multiples of the
     * narrow tile's rows. Chunk order: thread w's splits, then its piece (thread 0: its piece first, so that it packs
     * the shared narrow B panel while the others run full panels, and none waits for that at the end), so that
     * {@link HomeChunks}' home share of w is exactly that (its share starts at floor(w * splits / threads) + w). Without the pieces the narrow panel
     * sat in one thread's share: on 2 threads 197x44x384 A^T B^T gave the helper 3 full panels and the narrow one
     * against the caller's 3 (AVX-512), and it finished 5-6 us (about 20%) after the caller on every call (issue 22,
     * fifth pass). The pieces write disjoint columns of the narrow panel's few C rows: one shared cache line per
     * such row, against every row when all panels were split that way (third pass).
     */
    record NarrowPieces(int splits, int threads, int m, int quantum) {
        int chunks() { return splits + threads; }

        /** First chunk of thread w's share. */
        private int shareStart(int w) { return (int) ((long) w * splits / threads) + w; }

        private int owner(int t) {
            int w = (int) ((long) t * threads / chunks());
            while (shareStart(w + 1) <= t) w++;
            while (shareStart(w) > t) w--;
            return w;
        }

        /** The narrow piece chunk t is, or -1 for a split of the full panels. */
        int piece(int t) {
            int w = owner(t);
            return t == (w == 0 ? 0 : shareStart(w + 1) - 1) ? w : -1;
        }

        /** The split of the full panels chunk t is (only when {@link #piece} is -1). */
        int split(int t) {
            int w = owner(t);
            return w == 0 ? t - 1 : t - w;
        }

        /** First row of piece w (w = threads: m), a multiple of the quantum. */
        int rowStart(int w) {
            return w >= threads ? m : Math.min(m, (int) ((long) w * Math.ceilDiv(m, quantum) / threads) * quantum);
        }
    }

    /**
     * The packed B panels of one column block, each packed by the first chunk that needs it (state 0 = not packed,
     * 1 = being packed, 2 = ready; the volatile state write publishes the panel's floats). A chunk that needs a panel
     * while another is packing it packs its own copy instead of waiting: waiting threads were the slow state of
     * 64³-128³ on two threads (0.4x one thread in some JVMs; with 2 waits per call in every JVM, 33 spins per wait in
     * fast JVMs and 105-135 in slow ones, GEMM-NOTES.md 2026-12-05 #15). Doing such a panel after the chunk's other
     * panels instead was tried (no double packing): 1600x96x19 and 26x196x384 then ran at one-thread speed in 12 of 38
     * JVMs, against 1 of 20 with the own copy and 0 of 38 before. Always atomic, also when the driver plans one thread: plain
     * flags here once let a second thread re-pack (zero-fill, then copy) a panel another thread was
     * multiplying (the 2026-12-03 race, SgemmThreadingTest); an uncontended atomic read costs nothing
     * measurable. The panels start at the buffer's first 64-byte line ({@link ArrayLines}; the buffer has a line's
     * floats more): on the Intel device hosts the tile ran 3-23% faster from L2 on lines, and the whole GEMM 0.99-1.15x
     * (GEMM-NOTES.md 2026-12-06 #19).
     */
    static final class BPanels {
        private final SgemmKernel kernel;
        private final boolean transB;
        private final float[] b, bp;
        private final int bOff, ldb, jc, n, k, kc, nPanels, start;
        private final java.util.concurrent.atomic.AtomicIntegerArray state;

        BPanels(SgemmKernel kernel, boolean transB, float[] b, int bOff, int ldb, int jc, int n, int k, int kc,
                int nPanels, float[] bp) {
            this.kernel = kernel; this.transB = transB; this.b = b; this.bOff = bOff; this.ldb = ldb;
            this.jc = jc; this.n = n; this.k = k; this.kc = kc; this.nPanels = nPanels; this.bp = bp;
            this.start = ALIGN_B ? ArrayLines.floatsToLine(bp) : 0;
            int count = Math.ceilDiv(k, kc) * nPanels;
            this.state = new java.util.concurrent.atomic.AtomicIntegerArray(count);
        }

        /** What {@link #ready} returns when it packed the panel into the caller's own buffer. */
        static final int OWN_COPY = -1;

        /**
         * Offset in bp of panel q of K block pb, packing it first if no chunk has; or {@link #OWN_COPY} when another
         * chunk is packing it right now: then it is packed into {@code own} (at least kc * nr floats) from 0.
         */
        int ready(int pb, int q, float[] own) {
            int p0 = pb * kc, kcb = Math.min(kc, k - p0), nr = kernel.nr();
            int off = start + p0 * nPanels * nr + q * kcb * nr, id = pb * nPanels + q;
            if (state.get(id) == 2) return off;
            if (state.compareAndSet(id, 0, 1)) {
                pack(p0, kcb, q, bp, off);
                state.set(id, 2);
                return off;
            }
            if (state.get(id) == 2) return off;
            pack(p0, kcb, q, own, 0);
            return OWN_COPY;
        }

        private void pack(int p0, int kcb, int q, float[] to, int off) {
            int nr = kernel.nr(), j0 = jc + q * nr;
            kernel.packBPanel(transB, b, bOff, ldb, p0, kcb, j0, Math.min(nr, n - j0), to, off);
        }
    }

    /** The blocking and policies in force, for benchmark reports. */
    static String describe(SgemmKernel kernel) {
        Blocking blocking = Blocking.of(kernel, CpuCaches.DETECTED);
        return kernel.describe() + "; KC " + blocking.kc() + " (K split in equal blocks), MC " + blocking.mc() + " for the longest K, more for a shorter one (min " + MC_MIN
                + " for parallel chunks),  B panels packed on first use" + (ALIGN_B && ArrayLines.available() ? " from a 64-byte line" : "") + ", whole K per column block (<= " + B_PACK_MAX + " floats); A "
                + switch (DEFAULT_POLICY) {
                    case AUTO -> "read in place when untransposed, alpha = 1 and a chunk multiplies it with <= " + DIRECT_A_MAX_PANELS + " B panels, else packed";
                    case PACKED -> "always packed";
                    case IN_PLACE -> "read in place when untransposed and alpha = 1";
                }
                + "; A^T B^T run as C^T = B A" + (SWAP_TT ? "" : " (off)")
                + "; one thread per " + FMAS_PER_THREAD + " multiply-adds, at most " + Parallel.threads() + " (helpers poll "
                + HelperPool.DEFAULT_SPIN_MICROS + " us between jobs); blocking from " + CpuCaches.DETECTED;
    }

    /**
     * Block sizes for one kernel and cache pair. Both packed micro-panels stream from L2: KC so that
     * the B micro-panel (KC * NR floats, reused by every A panel of a block) takes an eighth of L2, MC
     * (a multiple of MR) so that the packed A block (MC * KC floats, reused by every B panel) takes half
     * of it. KC is kept in [128, 1024], MC in [MR, 1024]; {@code -Djmamba.gemm.kc/mc} override. A
     * longer K is split into equal blocks of at most KC, and MC follows the block actually used, so
     * a short K gets tall A blocks (fewer passes over packed B).
     *
     * <p>Why not the classic rule (the B micro-panel in L1, Low et al. 2016): every K block re-reads
     * and re-writes the C tiles, and a tile's C rows (a row stride apart, often 4 KiB: the same L1
     * set) come back from L2 or L3 after each block. On a 48 KiB L1 that rule gave KC 256 for the 8x32
     * tile; on Zen 5, n = 1024 on one thread ran 183-190 GFLOP/s with it and 205-215 with KC 1024 /
     * MC 64-128 (the kernel alone, in L1: 222); 256-bit, 4x16: 98 -> 100 (GEMM-NOTES.md, issue 22).
     * Streaming a micro-panel from L2 needs (2 NR + MR) * 4 bytes per NR * MR / (2 * lanes) cycles:
     * about 20 bytes a cycle for both tiles, well inside an L2's bandwidth.
     */
    record Blocking(int kc, int mc) {
        /** The blocking for a K of at least KC (benchmark reports). */
        static Blocking of(SgemmKernel kernel, CpuCaches caches) {
            return of(kernel, caches, Integer.MAX_VALUE);
        }

        /** The blocking for a product with this K (&gt; 0): KC is the size of its equal K blocks. */
        static Blocking of(SgemmKernel kernel, CpuCaches caches, int k) {
            int kcMax = KC_PROPERTY > 0 ? KC_PROPERTY
                    : (int) Math.clamp(caches.l2Bytes() / 8 / (4L * kernel.nr()) / 8 * 8, 128, 1024);
            int kc = k <= kcMax ? k : Math.ceilDiv(k, Math.ceilDiv(k, kcMax)); // equal K blocks, no short tail
            int mc = MC_PROPERTY > 0 ? MC_PROPERTY
                    : (int) Math.clamp(caches.l2Bytes() / 2 / (4L * kc) / kernel.mr() * kernel.mr(), kernel.mr(), 1024);
            return new Blocking(kc, mc);
        }
    }

    /**
     * Whether A may be read in place: an untransposed A with alpha = 1, a kernel that can, and a policy that allows it
     * (AUTO then reads it in place in the chunks with at most {@link #DIRECT_A_MAX_PANELS} B panels).
     */
    private static boolean inPlaceAllowed(SgemmKernel kernel, APolicy policy, boolean transA, float alpha) {
        return !transA && alpha == 1f && kernel.readsRowsDirectly() && policy != APolicy.PACKED;
    }

    /**
     * Runs every A panel against one packed B panel (columns j0 ..) into C rows from cOff. With
     * {@code a != null} the full A panels are read in place (row r at {@code a[aRow0 + r*lda]}) and
     * only a short last panel is packed, at {@code ap[0]}; else all A panels are packed in ap.
     */
    private static void panelTiles(SgemmKernel kernel, int kc, float[] a, int aRow0, int lda, float[] ap, int rows,
                                   float[] bp, int bpOff, int j0, int n, float beta, float[] c, int cOff, int rs, int cs, float[] scratch) {
        int mr = kernel.mr(), nr = kernel.nr();
        int full = rows / mr * mr, cols = Math.min(nr, n - j0);
        // a last panel of at most halfNr columns: the narrow tile, over halfRows rows (one or more A panels)
        boolean narrowPanel = kernel.hasHalfTile() && cols <= kernel.halfNr();
        int hr = kernel.halfRows(), panelsEnd = roundUp(rows, mr);
        if (TOUCH_C && beta != 0f && cs == 1) touchC(c, cOff + j0, rs, rows, cols, scratch);
        if (cs != 1 && TRANSPOSE8 && !narrowPanel) {
            transposedPanelTiles(kernel, kc, a, aRow0, lda, ap, rows, bp, bpOff, cols, beta, c, cOff + j0 * cs, cs, scratch);
            return;
        }
        for (int r0 = 0, step; r0 < rows; r0 += step) {
            // the narrow tile where all its A panels exist (in place: all full rows), else the full one
            boolean half = narrowPanel && r0 + hr <= (a != null ? full : panelsEnd);
            step = half ? hr : mr;
            int width = half ? kernel.halfNr() : nr, live = Math.min(step, rows - r0);
            int cTile = cOff + r0 * rs + j0 * cs;
            boolean inPlace = a != null && r0 < full;
            int apOff = a == null ? (r0 / mr) * kc * mr : 0;
            if (live == step && cols == width && cs == 1) {
                tile(kernel, half, kc, inPlace, a, aRow0 + r0 * lda, lda, ap, apOff, bp, bpOff, beta, c, cTile, rs);
            } else {
                tile(kernel, half, kc, inPlace, a, aRow0 + r0 * lda, lda, ap, apOff, bp, bpOff, 0f, scratch, 0, nr);
                if (cs == 1) merge(scratch, nr, live, cols, beta, c, cTile, rs);
                else mergeTransposed(scratch, nr, live, cols, beta, c, cTile, cs);
            }
        }
    }

    /**
     * {@link #panelTiles} for a transposed C (element (r, j) of the tiles at {@code c[cOff + j*ldc + r]}) and a full-width
     * panel: the tiles of lcm(mr, 8) consecutive rows of C^T go to the scratch one below the other, then into C by 8x8
     * transposes (3-row tiles one at a time gave each C row 3 floats per tile, stored one by one: 197x192x384 AᵀBᵀ on
     * 256-bit vectors spent 43-49 us of a 336 us one-thread call there; GEMM-NOTES.md 2026-12-06 #18). A method of its own so that
     * panelTiles, which every product runs, keeps its size for the JIT.
     */
    private static void transposedPanelTiles(SgemmKernel kernel, int kc, float[] a, int aRow0, int lda, float[] ap, int rows,
                                             float[] bp, int bpOff, int cols, float beta, float[] c, int cOff, int ldc, float[] scratch) {
        int mr = kernel.mr(), nr = kernel.nr(), full = rows / mr * mr, group = groupRows(mr);
        for (int g0 = 0; g0 < rows; g0 += group) {
            int gEnd = Math.min(rows, g0 + group);
            for (int r0 = g0; r0 < gEnd; r0 += mr) {
                boolean inPlace = a != null && r0 < full;
                int apOff = a == null ? (r0 / mr) * kc * mr : 0;
                tile(kernel, false, kc, inPlace, a, aRow0 + r0 * lda, lda, ap, apOff, bp, bpOff, 0f, scratch, (r0 - g0) * nr, nr);
            }
            mergeTransposed(scratch, nr, gEnd - g0, cols, beta, c, cOff + g0, ldc);
        }
    }

    /** C(live, cols) (row stride ldc, from cOff) = scratch tile (row stride nr) + beta * C. */
    private static void merge(float[] scratch, int nr, int live, int cols, float beta, float[] c, int cOff, int ldc) {
        for (int r = 0; r < live; r++) {
            int ci = cOff + r * ldc, si = r * nr;
            if (beta == 0f) {
                System.arraycopy(scratch, si, c, ci, cols);
            } else {
                for (int j = 0; j < cols; j++) c[ci + j] = scratch[si + j] + beta * c[ci + j];
            }
        }
    }

    /**
     * As {@link #merge} into a transposed C: scratch element (r, j) goes to {@code c[cOff + j*ldc + r]}
     * (a C^T tile; each of C's rows gets {@code live} consecutive floats).
     */
    private static void mergeTransposed(float[] scratch, int nr, int live, int cols, float beta, float[] c, int cOff, int ldc) {
        int rows8 = TRANSPOSE8 ? live / 8 * 8 : 0, cols8 = cols / 8 * 8;
        // each 8x8 block of the first rows8 rows and cols8 columns is transposed in registers into 8 of C's rows
        // (beta != 0: into the 64 floats after the tile rows, then added); the rest one float at a time
        int tmp = scratch.length - 64;
        for (int r0 = 0; r0 < rows8; r0 += 8) {
            for (int j0 = 0; j0 < cols8; j0 += 8) {
                if (beta == 0f) {
                    Transpose8.block(scratch, r0 * nr + j0, nr, c, cOff + j0 * ldc + r0, ldc);
                    continue;
                }
                Transpose8.block(scratch, r0 * nr + j0, nr, scratch, tmp, 8);
                for (int jj = 0; jj < 8; jj++) {
                    int ci = cOff + (j0 + jj) * ldc + r0, ti = tmp + jj * 8;
                    for (int r = 0; r < 8; r++) c[ci + r] = scratch[ti + r] + beta * c[ci + r];
                }
            }
        }
        for (int j = 0; j < cols; j++) {
            int ci = cOff + j * ldc;
            for (int r = j < cols8 ? rows8 : 0; r < live; r++) {
                c[ci + r] = beta == 0f ? scratch[r * nr + j] : scratch[r * nr + j] + beta * c[ci + r];
            }
        }
    }

    /** Rows of C^T a transposed C's tiles are gathered in before {@link #mergeTransposed}: lcm(mr, 8) with Transpose8. */
    private static int groupRows(int mr) {
        int lcm = mr;
        while (lcm % 8 != 0) lcm += mr;
        return lcm;
    }

    /** One register tile: full or half width, A read in place (row r at a[aRow + r*lda]) or packed (ap from apOff). */
    private static void tile(SgemmKernel kernel, boolean half, int kc, boolean inPlace, float[] a, int aRow, int lda, float[] ap, int apOff,
                             float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        if (half) {
            if (inPlace) kernel.tileRowsHalf(kc, a, aRow, lda, bp, bpOff, beta, c, cOff, ldc);
            else kernel.tileHalf(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        } else {
            if (inPlace) kernel.tileRows(kc, a, aRow, lda, bp, bpOff, beta, c, cOff, ldc);
            else kernel.tile(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        }
    }

    /**
     * Reads the first and last float of each C row of this panel column, so that the tiles, which
     * load C only after their K loop (beta != 0: every K block after the first), find it in cache
     * instead of stalling on rows a page apart (Java has no prefetch instruction; a plain load issued
     * early is the portable stand-in). The sum goes to scratch[0] (overwritten later) so the loads stay.
     */
    private static void touchC(float[] c, int cOff, int ldc, int rows, int cols, float[] scratch) {
        float sum = 0f;
        for (int r = 0, i = cOff; r < rows; r++, i += ldc) sum += c[i] + c[i + cols - 1];
        scratch[0] = sum;
    }

    /** Whether {@link #mergeTransposed} may use {@link Transpose8} (the Vector API is loaded and has 256-bit vectors). */
    private static final boolean TRANSPOSE8 = SimdSupport.ENABLED && Transpose8.USABLE;

    /** {@code -Djmamba.gemm.swapTT=false} runs A^T B^T as such, packing both transposed (for measuring the swap). */
    static final boolean SWAP_TT = Boolean.parseBoolean(System.getProperty("jmamba.gemm.swapTT", "true"));

    /**
     * {@code -Djmamba.gemm.narrowPieces=true} cuts a transposed C's narrow last panel into row pieces, one per thread
     * ({@link NarrowPieces}); off by default until a quiet machine shows it helps (tests set it directly).
     */
    static boolean narrowPieces = Boolean.getBoolean("jmamba.gemm.narrowPieces");

    /**
     * {@code -Djmamba.gemm.privateB=true}: each thread share packs its own copy of the B panels it needs, so that no
     * thread reads a panel another packed (1024³ on 2 threads: 32 panels packed twice instead of once, against 512 M
     * multiply-adds per thread). An experiment for hosts whose cores are far apart (the Intel device host: round trips
     * of 150-900 ns, and its 2-thread 1024³ read 0.92x numpy in a call with 150-190 ns and 0.68-0.71x in one with
     * 650-780 ns; GEMM-NOTES.md 2026-12-05 #15); off until measured (tests set it directly).
     */
    static boolean privateB = Boolean.getBoolean("jmamba.gemm.privateB");

    /** {@code count} thread-local buffers of at least {@code size} floats each, grown (never shrunk) on demand. */
    private static float[][] buffers(ThreadLocal<float[][][]> holder, int count, long size) {
        float[][][] box = holder.get();
        if (box[0].length < count) box[0] = java.util.Arrays.copyOf(box[0], count);
        for (int i = 0; i < count; i++) box[0][i] = atLeast(box[0][i], size);
        return box[0];
    }

    /** {@code -Djmamba.gemm.alignB=false}: the packed B panels start at their buffer's first float, wherever that is. */
    static final boolean ALIGN_B = Boolean.parseBoolean(System.getProperty("jmamba.gemm.alignB", "true"));

    /** {@code -Djmamba.gemm.touchC=false} turns {@link #touchC} off (for measuring it). */
    private static final boolean TOUCH_C = Boolean.parseBoolean(System.getProperty("jmamba.gemm.touchC", "true"));

    /** A thread-local buffer of at least {@code size} floats, grown (never shrunk) on demand. */
    private static float[] buffer(ThreadLocal<float[][]> holder, long size) {
        float[][] box = holder.get();
        return box[0] = atLeast(box[0], size);
    }

    /** {@code current} if it holds at least {@code size} floats (null: none), else a new array of that size. */
    private static float[] atLeast(float[] current, long size) {
        if (current != null && current.length >= size) return current;
        if (size > Integer.MAX_VALUE - 8) throw new JmambaException("sgemm: packing buffer of " + size + " floats is too large");
        return new float[(int) size];
    }

    static int roundUp(int x, int multiple) {
        return Math.ceilDiv(x, multiple) * multiple;
    }
}
