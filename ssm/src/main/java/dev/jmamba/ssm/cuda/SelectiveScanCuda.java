package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.KernelArgs;
import dev.jmamba.tensor.cuda.KernelCache;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The selective scan on an NVIDIA GPU: launches {@code selective_scan.cu} (forward, and the chunked
 * backward that recomputes states from the ones saved every {@link #chunk()} positions). Works on
 * raw device pointers with the layouts of {@link ScanShape}; optional inputs/outputs are 0.
 * The frozen reference is {@link dev.jmamba.ssm.kernel.SelectiveScanReference}.
 *
 * <p>Two kernel families: v6 ({@code selective_scan_v6.cu}, {@code _fwd.cu}, {@code _bwd.cu}: L split into segments, one thread per
 * (b, d, segment)) for N <= 16 when the chunk divides 32 (forward) or 16 (backward); v3 (a lane per state)
 * otherwise. System properties for experiments: {@code jmamba.scan.v6=false} forces v3,
 * {@code jmamba.scan.threads} (default: the rule of {@link #segmentChunks}) is the B·D·S the segment count aims at.
 *
 * <p><b>Determinism.</b> The backward is bit-reproducible: the blocks write their sums of dA, dDskip, ddeltaBias
 * (and of dB, dC when a group has several channel tiles) to scratch buffers that {@code scan6_bwd_sum} /
 * {@code scan_bwd_sum} add in a fixed order in float64 ("Determinism" in selective_scan_v6.cu; v3 sums inside a block
 * in fixed orders too). {@code -Djmamba.scan.atomics=true} brings back the global float atomics instead (run-to-run
 * differences in the last bits), only to time the difference.
 */
public final class SelectiveScanCuda {
    private static final String SOURCE_NAME = "selective_scan.cu";
    /** The v6 family: shared parts, forward pass, backward pass (each pass file includes the first on its own). */
    private static final String[] V6_SOURCE_NAMES = {"selective_scan_v6.cu", "selective_scan_v6_fwd.cu", "selective_scan_v6_bwd.cu"};
    /** sizeof(struct ScanParams); the field offsets are in {@link ScanParamsLayout}. */
    private static final int STRUCT_BYTES = ScanParamsLayout.BYTES;
    private static final int V6_CHANNELS = 32;   // channels (threads) per v6 block

    private final CudaContext context;
    private final int chunk;
    private final boolean paths;    // the -DV6_PATHS=1 program (SelectiveScan.scanAlong)
    private final long fwd1, fwd8, bwd1, bwd8, bwdSum;
    // [t][s]: t 0 float32 / 1 bf16 sequences (ScanLayout.bf16), s 0 N = 1 / 1 N <= 16
    private final long[][] v6Fwd, v6FwdSummary, v6Bwd, v6BwdSummary;
    private final long[][] v6FwdPair, v6FwdSummaryPair, v6BwdPair, v6BwdSummaryPair;   // two calls per launch
    private final long v6BwdSum, v6BwdSumPair;                                          // the backward's fixed-order sums
    private final boolean v6Enabled = !"false".equals(System.getProperty("jmamba.scan.v6"));
    /** Backward with global float atomics (not bit-reproducible), for timing the deterministic sums against them. */
    private final boolean atomics = Boolean.getBoolean("jmamba.scan.atomics");
    private static final int SUM_THREADS = 256, SUM_MAX_BLOCKS = 8192;
    private final long v6Threads;   // 0: the default rule of segmentChunks
    /**
     * Default segment rule, measured on the H100 with the double-buffered forward (ScanCudaBench, 2026-11-25):
     * B·D ≥ WIDE channels fill the GPU with one warp per 32 channels (Vim-T and VMamba-T stage 1, B·D = 49152:
     * S = 1 forward 0.27 / 1.33 ms vs S = 3: 0.38 / 2.09 ms), so the summary pass is skipped; narrower calls aim
     * at DEFAULT_SEGMENT_THREADS threads (the long case B·D = 12288: S = 11, 4.44 ms vs S = 5 4.87, S = 21 4.45).
     */
    private static final long WIDE = 32_768, DEFAULT_SEGMENT_THREADS = 1L << 17;
    private final KernelArgs args = new KernelArgs(STRUCT_BYTES);
    private final KernelArgs pairArgs = new KernelArgs(STRUCT_BYTES, STRUCT_BYTES);

    /** Compiles (or loads from the kernel cache) the scan kernels with {@code chunk} positions per saved state. */
    public SelectiveScanCuda(CudaContext context, int chunk) {
        this(context, chunk, Long.getLong("jmamba.scan.threads", 0L));
    }

    /**
     * As {@link #SelectiveScanCuda(CudaContext, int)} with the v6 segment count aimed at
     * {@code segmentThreads} = B·D·S threads (tests use it to get multi-chunk segments on small shapes).
     */
    public SelectiveScanCuda(CudaContext context, int chunk, long segmentThreads) {
        this(context, chunk, segmentThreads, false);
    }

    /**
     * As {@link #SelectiveScanCuda(CudaContext, int, long)}; {@code paths}: the program compiled with {@code -DV6_PATHS=1},
     * whose v6 kernels read and write positions through the layout's (G, L) path table and may share u between the
     * groups ({@link ScanLayout#withPaths}; every launch of it needs a table). The default program ignores both.
     */
    public SelectiveScanCuda(CudaContext context, int chunk, long segmentThreads, boolean paths) {
        if (chunk < 1 || chunk > 64) throw new JmambaException("chunk must be in [1, 64], got " + chunk);
        if (segmentThreads < 0) throw new JmambaException("segmentThreads must be >= 0, got " + segmentThreads);
        this.context = context;
        this.chunk = chunk;
        this.v6Threads = segmentThreads;
        String source = source();
        List<String> options = new ArrayList<>(KernelCache.standardOptions());
        options.add("-DK_CHUNK=" + chunk);
        if (paths) options.add("-DV6_PATHS=1");
        this.paths = paths;
        KernelCache cache = context.kernels();
        fwd1 = cache.function(source, SOURCE_NAME, options, "scan_fwd_s1");
        fwd8 = cache.function(source, SOURCE_NAME, options, "scan_fwd_s8");
        bwd1 = cache.function(source, SOURCE_NAME, options, "scan_bwd_s1");
        bwd8 = cache.function(source, SOURCE_NAME, options, "scan_bwd_s8");
        bwdSum = cache.function(source, SOURCE_NAME, options, "scan_bwd_sum");
        v6Fwd = new long[2][2];
        v6FwdSummary = new long[2][2];
        v6Bwd = new long[2][2];
        v6BwdSummary = new long[2][2];
        v6FwdPair = new long[2][2];
        v6FwdSummaryPair = new long[2][2];
        v6BwdPair = new long[2][2];
        v6BwdSummaryPair = new long[2][2];
        for (int t = 0; t < 2; t++) {
            for (int i = 0; i < 2; i++) {
                String n = (i == 0 ? "_n1" : "_n16") + (t == 0 ? "" : "_bf16");
                v6Fwd[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_fwd" + n);
                v6FwdSummary[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_fwd_summary" + n);
                v6Bwd[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_bwd" + n);
                v6BwdSummary[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_bwd_summary" + n);
                v6FwdPair[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_fwd" + n + "_pair");
                v6FwdSummaryPair[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_fwd_summary" + n + "_pair");
                v6BwdPair[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_bwd" + n + "_pair");
                v6BwdSummaryPair[t][i] = cache.function(source, SOURCE_NAME, options, "scan6_bwd_summary" + n + "_pair");
            }
        }
        v6BwdSum = cache.function(source, SOURCE_NAME, options, "scan6_bwd_sum");
        v6BwdSumPair = cache.function(source, SOURCE_NAME, options, "scan6_bwd_sum_pair");
    }

    /** Kernel names of the two-call (pair) variants, each taking two ScanParams (for the nvcc syntax test). */
    static List<String> pairKernelNames() {
        List<String> names = new ArrayList<>();
        for (String n : new String[] {"_n1", "_n16", "_n1_bf16", "_n16_bf16"})
            for (String k : new String[] {"scan6_fwd", "scan6_fwd_summary", "scan6_bwd", "scan6_bwd_summary"}) names.add(k + n + "_pair");
        names.add("scan6_bwd_sum_pair");
        return names;
    }

    /** Kernel names of both families (for the nvcc syntax test). */
    static List<String> kernelNames() {
        List<String> names = new ArrayList<>(List.of("scan_fwd_s1", "scan_fwd_s8", "scan_bwd_s1", "scan_bwd_s8", "scan_bwd_sum"));
        for (String n : new String[] {"_n1", "_n16", "_n1_bf16", "_n16_bf16"})
            for (String k : new String[] {"scan6_fwd", "scan6_fwd_summary", "scan6_bwd", "scan6_bwd_summary"}) names.add(k + n);
        names.add("scan6_bwd_sum");
        return names;
    }

    /** Which kernel family runs the forward ({@code bwd} false) or backward of shape s: "v6" or "v3". */
    public String version(ScanShape s, boolean bwd) { return usesV6(s, bwd) ? "v6" : "v3"; }

    /** Whether forward and backward of s run the v6 kernels, which read any {@link ScanLayout} (v3: contiguous only). */
    public boolean supportsLayouts(ScanShape s) { return usesV6(s, false) && usesV6(s, true); }

    private static void requireContiguous(ScanShape s, ScanLayout layout, long states) {
        if (!layout.isContiguous(s) || states == 0) {
            throw new JmambaException("selective scan: the v3 kernels need contiguous float32 tensors, no reverse and a states buffer");
        }
    }

    private boolean usesV6(ScanShape s, boolean bwd) {
        return v6Enabled && s.state() <= 16 && (bwd ? 16 % chunk == 0 : 32 % chunk == 0);
    }

    /**
     * Chunks per v6 segment (public for tests and the benchmark): S = B·D·S threads closest to the target, at most one segment per chunk,
     * then the chunks spread evenly (the last segment may be shorter).
     */
    public int segmentChunks(ScanShape s) {
        long bd = (long) s.batch() * s.channels();
        int chunks = s.chunks(chunk);
        if (v6Threads == 0 && bd >= WIDE) return chunks;
        long target = v6Threads == 0 ? DEFAULT_SEGMENT_THREADS : v6Threads;
        long aim = Math.max(1, Math.min(65535, Math.round((double) target / bd)));   // gridDim.z <= 65535
        int segments = (int) Math.min(chunks, aim);
        return Math.ceilDiv(chunks, segments);
    }

    /** Positions per saved state (the chunk of the backward recomputation). */
    public int chunk() { return chunk; }

    /** Elements of the saved-state buffer: (B, D, nChunks, N). */
    public long stateElements(ScanShape s) { return (long) s.batch() * s.channels() * s.chunks(chunk) * s.state(); }

    /** selective_scan.cu followed by the v6 files (whose include guards then skip their includes). */
    static String source() {
        StringBuilder all = new StringBuilder(KernelSource.read(SOURCE_NAME));
        for (String name : V6_SOURCE_NAMES) all.append('\n').append(KernelSource.read(name));
        return all.toString();
    }

    /** Lanes per (b, d): the next power of two at least N, at most 32. */
    static int lanes(int n) { return Math.min(32, Integer.highestOneBit(Math.max(1, n - 1)) << (n > 1 ? 1 : 0)); }

    /** Lanes per (b, d) of a launch (the same for forward and backward). */
    static int lanes(ScanShape s, boolean bwd) { return lanes(s.state()); }

    /**
     * Largest divisor TD of the channels per group whose block (TD × lanes threads) has at most 128
     * threads and whose kernel needs at most 160 KiB of shared memory (the H100 allows 227 KiB).
     */
    int channelsPerBlock(ScanShape s, boolean bwd) {
        int np = lanes(s, bwd), dpg = s.channelsPerGroup();
        for (int td = Math.max(1, 128 / np); td > 1; td--) {
            if (dpg % td == 0 && sharedBytes(s, bwd, td) <= 160 * 1024) return td;
        }
        return 1;
    }

    /** Dynamic shared memory of the forward or backward kernel with TD channels per block, in bytes. */
    private long sharedBytes(ScanShape s, boolean bwd, int td) {
        int n = s.state(), tlp = chunk + 1, slices = s.state() <= 32 ? 1 : 8;
        int threads = td * lanes(s, bwd);
        long warps = Math.ceilDiv(threads, 32);   // the backward keeps one dB and one dC slot (N, TLP) per warp
        long floats = bwd ? (2L + 2L * warps) * n * tlp + 9L * td * tlp + 2L * slices * chunk * threads + 2L * td
                          : 2L * n * tlp + 4L * td * tlp;
        return 4 * floats;
    }

    /** Fills ScanParams; ptrs are the 20 tensor pointers ({@link ScanParamsLayout#POINTER_FIELDS} order), then the v6 scratch buffers (else 0). */
    private void fill(ScanShape s, boolean softplus, boolean bwd, long[] ptrs, int segments, int segChunks, ScanLayout layout) {
        fill(args.slot(0), s, softplus, bwd, ptrs, segments, segChunks, layout);
    }

    private void fill(MemorySegment st, ScanShape s, boolean softplus, boolean bwd, long[] ptrs, int segments, int segChunks,
                      ScanLayout layout) {
        if (paths != (layout.columns() != 0)) {
            throw new JmambaException("selective scan: " + (paths ? "the path program needs a path table"
                    : "a path table needs the program compiled for paths (SelectiveScanCuda(..., paths = true))"));
        }
        if (s.state() > 256) throw new JmambaException("the GPU scan supports N <= 256, got " + s.state());
        int[] ints = {s.batch(), s.channels(), s.length(), s.state(), s.groups(), lanes(s, bwd), s.chunks(chunk),
                softplus ? 1 : 0, channelsPerBlock(s, bwd)};
        for (int i = 0; i < ints.length; i++) st.set(ValueLayout.JAVA_INT, ScanParamsLayout.intAt(i), ints[i]);
        for (int i = 0; i < ptrs.length; i++) st.set(ValueLayout.JAVA_LONG, ScanParamsLayout.pointerAt(i), ptrs[i]);
        st.set(ValueLayout.JAVA_INT, ScanParamsLayout.SEGMENTS_AT, segments);
        st.set(ValueLayout.JAVA_INT, ScanParamsLayout.SEG_CHUNKS_AT, segChunks);
        long at = ScanParamsLayout.SEQ_STRIDES_AT;
        for (long[] pair : layout.seq()) { st.set(ValueLayout.JAVA_LONG, at, pair[0]); st.set(ValueLayout.JAVA_LONG, at + 8, pair[1]); at += 16; }
        at = ScanParamsLayout.BC_STRIDES_AT;
        for (long[] pair : layout.bc()) { st.set(ValueLayout.JAVA_LONG, at, pair[0]); st.set(ValueLayout.JAVA_LONG, at + 8, pair[1]); at += 16; }
        st.set(ValueLayout.JAVA_INT, ScanParamsLayout.REVERSE_AT, layout.reverse() ? 1 : 0);
        st.set(ValueLayout.JAVA_INT, ScanParamsLayout.SHARED_U_AT, layout.sharedU() ? 1 : 0);
        st.set(ValueLayout.JAVA_LONG, ScanParamsLayout.COLS_AT, layout.columns());
    }

    /** The 24 pointers of ScanParams: the 20 of the call, the v6 segment summaries and the backward's partial sums. */
    private static long[] pointers(long[] call, long segDt, long segState, long bcPart, long paramPart) {
        long[] all = java.util.Arrays.copyOf(call, ScanParamsLayout.POINTER_FIELDS.size());
        all[ScanParamsLayout.CALL_POINTERS] = segDt;
        all[ScanParamsLayout.CALL_POINTERS + 1] = segState;
        all[ScanParamsLayout.CALL_POINTERS + 2] = bcPart;
        all[ScanParamsLayout.CALL_POINTERS + 3] = paramPart;
        return all;
    }

    /** The channel tiles of one group: blocks of the backward that add into the same dB, dC elements (v6: 32 channels, v3: TD). */
    private int tilesPerGroup(ScanShape s, boolean v6) {
        return v6 ? Math.ceilDiv(s.channelsPerGroup(), V6_CHANNELS) : s.channelsPerGroup() / channelsPerBlock(s, true);
    }

    /**
     * Floats of one call's partial-sum scratch of the deterministic backward (see selective_scan_v6.cu,
     * "Determinism"): bcPart (2, tiles, B, G, N, L) when a group has several tiles, else none; paramPart
     * (S·B, N + 2, D). None in the atomics mode.
     */
    private long[] partialFloats(ScanShape s, int segments, int tiles) {
        if (atomics) return new long[] {0, 0};
        long bc = tiles > 1 ? 2L * tiles * s.groupedSize() : 0;
        return new long[] {bc, (long) segments * s.batch() * (s.state() + 2) * s.channels()};
    }

    /**
     * Zeroes what the backward adds into with atomics: in the atomics mode dA, dDskip, ddeltaBias and, when a group
     * has several tiles, dB and dC (one tile stores them); by default nothing (all written).
     */
    private void zeroForAtomics(ScanShape s, long[] call, int tiles) {
        if (!atomics) return;
        long stream = context.stream();
        CudaDriver.memsetD32Async(call[14], 0, (long) s.channels() * s.state(), stream);
        if (tiles > 1) {
            CudaDriver.memsetD32Async(call[15], 0, s.groupedSize(), stream);
            CudaDriver.memsetD32Async(call[16], 0, s.groupedSize(), stream);
        }
        if (call[17] != 0) CudaDriver.memsetD32Async(call[17], 0, s.channels(), stream);
        if (call[19] != 0) CudaDriver.memsetD32Async(call[19], 0, s.channels(), stream);
    }

    /**
     * Runs the v6 passes of one call, or of two calls of the same shape in one launch per pass (calls.length 2,
     * the *_pair kernels: grid y = 2·B): the summary kernel over segments 1 .. S-1 or 0 .. S-2 (none when S = 1)
     * into a temporary (S, B, D) Σdt and (S, N, B, D) summary buffer per call, then the main kernel over all segments;
     * the backward then adds the blocks' partial sums in a fixed order ({@code scan6_bwd_sum}, unless atomics).
     */
    private void launchV6(ScanShape s, boolean softplus, boolean bwd, long[][] calls, ScanLayout[] layouts) {
        int segChunks = segmentChunks(s), segments = Math.ceilDiv(s.chunks(chunk), segChunks);
        int which = s.state() == 1 ? 0 : 1, count = calls.length, type = layouts[0].bf16() ? 1 : 0;
        if (count == 2 && layouts[1].bf16() != layouts[0].bf16()) {
            throw new JmambaException("selective scan pair: both calls must have float32 or both bf16 sequences");
        }
        long stream = context.stream();
        long bd = (long) s.batch() * s.channels(), work = 0, perCall = 4L * segments * bd * (1 + s.state());
        int tilesPerGroup = tilesPerGroup(s, true);
        long[] partials = bwd ? partialFloats(s, segments, tilesPerGroup) : new long[] {0, 0};
        long partialBytes = 4L * (partials[0] + partials[1]), scratch = segments > 1 ? perCall : 0;
        if (scratch + partialBytes > 0) work = context.allocator().allocate(count * (scratch + partialBytes), stream);
        KernelArgs target = count == 1 ? args : pairArgs;
        boolean hasZ = false;
        for (int c = 0; c < count; c++) {
            long base = work + c * (scratch + partialBytes);
            long segDt = segments > 1 ? base : 0, segState = segments > 1 ? segDt + 4L * segments * bd : 0;
            long bcPart = partials[0] > 0 ? base + scratch : 0, paramPart = partials[1] > 0 ? base + scratch + 4L * partials[0] : 0;
            if (bwd) zeroForAtomics(s, calls[c], tilesPerGroup);
            fill(target.slot(c), s, softplus, bwd, pointers(calls[c], segDt, segState, bcPart, paramPart), segments, segChunks, layouts[c]);
            hasZ |= calls[c][6] != 0;
        }
        int tiles = s.groups() * Math.ceilDiv(s.channelsPerGroup(), V6_CHANNELS), rows = count * s.batch();
        if (segments > 1) {
            long summary = count == 1 ? (bwd ? v6BwdSummary : v6FwdSummary)[type][which] : (bwd ? v6BwdSummaryPair : v6FwdSummaryPair)[type][which];
            int smem = bwd ? 0 : forwardSharedBytes(which == 0, false, hasZ);
            CudaDriver.launchKernel(summary, tiles, rows, segments - 1, V6_CHANNELS, 1, 1, smem, stream, target);
        }
        long main = count == 1 ? (bwd ? v6Bwd : v6Fwd)[type][which] : (bwd ? v6BwdPair : v6FwdPair)[type][which];
        CudaDriver.launchKernel(main, tiles, rows, segments, V6_CHANNELS, 1, 1,
                bwd ? 0 : forwardSharedBytes(which == 0, true, hasZ), stream, target);
        if (partials[1] > 0) launchSums(s, partials, count == 1 ? v6BwdSum : v6BwdSumPair, count, target);
        if (work != 0) context.allocator().free(work);   // stream-ordered: reused only by later work on this stream
    }

    /**
     * The fixed-order sums of the backward's partial buffers ({@code scan6_bwd_sum} or {@code scan_bwd_sum}): one thread
     * per element of the (N + 2)·D parameter gradients, then of dB and dC when they went through bcPart; grid y = calls.
     */
    private void launchSums(ScanShape s, long[] partials, long function, int calls, KernelArgs target) {
        long elements = (long) (s.state() + 2) * s.channels() + (partials[0] > 0 ? 2 * s.groupedSize() : 0);
        int blocks = (int) Math.min(SUM_MAX_BLOCKS, Math.ceilDiv(elements, SUM_THREADS));
        CudaDriver.launchKernel(function, blocks, calls, 1, SUM_THREADS, 1, 1, 0, context.stream(), target);
    }

    /**
     * Dynamic shared memory of a v6 forward kernel (mirrors V6Fwd / V6FwdTiles of selective_scan_v6_fwd.cu): STAGES
     * stages of u, delta, [z] rows [32 × (W + 1)] and B, [C] tiles [W × BCS]; the summary pass stages no z and no C.
     */
    int forwardSharedBytes(boolean stateOne, boolean main, boolean hasZ) {
        int w = stateOne ? 32 : Math.max(chunk, 16), stages = 2, bcs = stateOne ? 1 : 16 + 4;
        int rowFloats = V6_CHANNELS * (w + 1), bcFloats = w * bcs;
        int perStage = (hasZ && main ? 3 : 2) * rowFloats + (main ? 2 : 1) * bcFloats;
        return 4 * stages * perStage;
    }

    private final java.util.Map<Long, Long> optIn = new java.util.HashMap<>();

    private void launch(ScanShape s, long function, boolean bwd) {
        int td = channelsPerBlock(s, bwd);
        long smem = sharedBytes(s, bwd, td);
        if (smem > 48 * 1024 && optIn.getOrDefault(function, 0L) < smem) {
            CudaDriver.funcSetAttribute(function, CudaDriver.FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, (int) smem);
            optIn.put(function, smem);
        }
        CudaDriver.launchKernel(function, s.channels() / td, s.batch(), 1, td * lanes(s, bwd), 1, 1, (int) smem,
                context.stream(), args);
    }

    /**
     * Forward. u, delta, z, out: (B, D, L); A: (D, N); Bm, Cm: (B, G, N, L); dSkip, deltaBias: (D);
     * states: (B, D, nChunks, N) written for the backward; lastState: (B, D, N) or 0.
     */
    public void forward(ScanShape s, boolean softplus, long u, long delta, long A, long Bm, long Cm,
                        long dSkip, long z, long deltaBias, long out, long states, long lastState) {
        forward(s, softplus, ScanLayout.contiguous(s, false), u, delta, A, Bm, Cm, dSkip, z, deltaBias, out, states, lastState);
    }

    /**
     * {@link #forward} with tensors in {@code layout} (v6 only: see {@link #supportsLayouts}); states may be 0
     * when no backward will run.
     */
    public synchronized void forward(ScanShape s, boolean softplus, ScanLayout layout, long u, long delta, long A, long Bm,
                                     long Cm, long dSkip, long z, long deltaBias, long out, long states, long lastState) {
        long[] call = {u, delta, A, Bm, Cm, dSkip, z, deltaBias, out, states, lastState, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        if (usesV6(s, false)) {
            launchV6(s, softplus, false, new long[][] {call}, new ScanLayout[] {layout});
        } else {
            requireContiguous(s, layout, states);
            fill(s, softplus, false, pointers(call, 0, 0, 0, 0), 1, s.chunks(chunk), layout);
            launch(s, s.state() <= 32 ? fwd1 : fwd8, false);
        }
    }

    /**
     * Backward from gout (B, D, L) and the states saved by {@link #forward}. Writes du, ddelta, dz
     * (B, D, L), dA (D, N), dB, dC (B, G, N, L), dDskip, ddeltaBias (D) (their previous contents are
     * overwritten). dz, dDskip, ddeltaBias may be 0 when z, dSkip, deltaBias are absent.
     */
    public void backward(ScanShape s, boolean softplus, long u, long delta, long A, long Bm, long Cm,
                         long dSkip, long z, long deltaBias, long states, long gout,
                         long du, long ddelta, long dA, long dB, long dC, long dDskipOut, long dz, long ddeltaBias) {
        backward(s, softplus, ScanLayout.contiguous(s, false), u, delta, A, Bm, Cm, dSkip, z, deltaBias, states, gout,
                du, ddelta, dA, dB, dC, dDskipOut, dz, ddeltaBias);
    }

    /**
     * {@link #backward} with tensors in {@code layout} (v6 only: see {@link #supportsLayouts}); dB and dC must
     * be dense (their {@code groupedSize} elements from the pointer on may be zeroed before accumulation).
     */
    public synchronized void backward(ScanShape s, boolean softplus, ScanLayout layout, long u, long delta, long A, long Bm,
                                      long Cm, long dSkip, long z, long deltaBias, long states, long gout,
                                      long du, long ddelta, long dA, long dB, long dC, long dDskipOut, long dz,
                                      long ddeltaBias) {
        long[] call = {u, delta, A, Bm, Cm, dSkip, z, deltaBias, 0, states, 0,
                gout, du, ddelta, dA, dB, dC, dSkip != 0 ? dDskipOut : 0, z != 0 ? dz : 0, deltaBias != 0 ? ddeltaBias : 0};
        if (usesV6(s, true)) {
            launchV6(s, softplus, true, new long[][] {call}, new ScanLayout[] {layout});
        } else {
            requireContiguous(s, layout, states);
            int tiles = tilesPerGroup(s, false);
            long[] partials = partialFloats(s, 1, tiles);
            long work = partials[1] > 0 ? context.allocator().allocate(4L * (partials[0] + partials[1]), context.stream()) : 0;
            zeroForAtomics(s, call, tiles);
            fill(s, softplus, true, pointers(call, 0, 0, partials[0] > 0 ? work : 0, work == 0 ? 0 : work + 4L * partials[0]),
                    1, s.chunks(chunk), layout);
            launch(s, s.state() <= 32 ? bwd1 : bwd8, true);
            if (work != 0) {
                launchSums(s, partials, bwdSum, 1, args);
                context.allocator().free(work);   // stream-ordered
            }
        }
    }

    /**
     * Two forward calls of the same shape in one launch per pass (Vim's two directions), v6 only
     * ({@link #supportsLayouts}). Each call: {u, delta, A, Bm, Cm, dSkip, z, deltaBias, out, states, lastState}
     * as in {@link #forward(ScanShape, boolean, ScanLayout, long, long, long, long, long, long, long, long, long, long, long)}.
     */
    public synchronized void forwardPair(ScanShape s, boolean softplus, ScanLayout layoutA, long[] callA, ScanLayout layoutB, long[] callB) {
        requirePairable(s);
        long[][] calls = new long[2][];
        long[][] given = {callA, callB};
        for (int c = 0; c < 2; c++) {
            if (given[c].length != 11) throw new JmambaException("forwardPair: a call has 11 pointers, got " + given[c].length);
            calls[c] = java.util.Arrays.copyOf(given[c], 20);
        }
        launchV6(s, softplus, false, calls, new ScanLayout[] {layoutA, layoutB});
    }

    /** Whether two calls of shape s can share one launch (v6 kernels, grid y = 2·B within the CUDA limit). */
    public boolean supportsPairs(ScanShape s) { return supportsLayouts(s) && 2L * s.batch() <= 65_535; }

    private void requirePairable(ScanShape s) {
        if (!supportsPairs(s)) {
            throw new JmambaException("selective scan pairs need the v6 kernels (N <= 16) and 2·B <= 65535, got N = "
                    + s.state() + ", B = " + s.batch());
        }
    }

    /**
     * Two backward calls of the same shape in one launch per pass, v6 only. Each call: {u, delta, A, Bm, Cm, dSkip,
     * z, deltaBias, states, gout, du, ddelta, dA, dB, dC, dDskip, dz, ddeltaBias} as in {@link #backward}; dA, dB,
     * dC, dDskip, ddeltaBias are overwritten.
     */
    public synchronized void backwardPair(ScanShape s, boolean softplus, ScanLayout layoutA, long[] callA, ScanLayout layoutB, long[] callB) {
        requirePairable(s);
        long[][] calls = new long[2][];
        long[][] given = {callA, callB};
        for (int c = 0; c < 2; c++) {
            long[] g = given[c];
            if (g.length != 18) throw new JmambaException("backwardPair: a call has 18 pointers, got " + g.length);
            long dA = g[12], dB = g[13], dC = g[14], dD = g[15], ddb = g[17];
            // ScanParams order: u, delta, A, Bm, Cm, Dskip, z, deltaBias, out, states, lastState, gout, du, ddelta, dA, dB, dC, dDskip, dz, ddeltaBias
            calls[c] = new long[] {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], 0, g[8], 0,
                    g[9], g[10], g[11], dA, dB, dC, g[5] != 0 ? dD : 0, g[6] != 0 ? g[16] : 0, g[7] != 0 ? ddb : 0};
        }
        launchV6(s, softplus, true, calls, new ScanLayout[] {layoutA, layoutB});
    }
}
