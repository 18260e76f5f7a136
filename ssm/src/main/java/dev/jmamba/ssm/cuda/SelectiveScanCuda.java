package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.KernelArgs;
import dev.jmamba.tensor.cuda.KernelCache;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The selective scan on an NVIDIA GPU: launches {@code selective_scan.cu} (forward, and the chunked
 * backward that recomputes states from the ones saved every {@link #chunk()} positions). Works on
 * raw device pointers with the layouts of {@link ScanShape}; optional inputs/outputs are 0.
 * The frozen reference is {@link dev.jmamba.ssm.kernel.SelectiveScanReference}.
 */
public final class SelectiveScanCuda {
    private static final String SOURCE_NAME = "selective_scan.cu";
        private static final int STRUCT_BYTES = 40 + 20 * 8; // 9 ints padded to 40, then 20 pointers (struct ScanParams)

    private final CudaContext context;
    private final int chunk;
    private final long fwd1, fwd8, bwd1, bwd8;
    private final KernelArgs args = new KernelArgs(STRUCT_BYTES);

    /** Compiles (or loads from the kernel cache) the scan kernels with {@code chunk} positions per saved state. */
    public SelectiveScanCuda(CudaContext context, int chunk) {
        if (chunk < 1 || chunk > 64) throw new IllegalArgumentException("chunk must be in [1, 64], got " + chunk);
        this.context = context;
        this.chunk = chunk;
        String source = source();
        List<String> options = new ArrayList<>(KernelCache.standardOptions());
        options.add("-DK_CHUNK=" + chunk);
        KernelCache cache = context.kernels();
        fwd1 = cache.function(source, SOURCE_NAME, options, "scan_fwd_s1");
        fwd8 = cache.function(source, SOURCE_NAME, options, "scan_fwd_s8");
        bwd1 = cache.function(source, SOURCE_NAME, options, "scan_bwd_s1");
        bwd8 = cache.function(source, SOURCE_NAME, options, "scan_bwd_s8");
    }

    /** Positions per saved state (the chunk of the backward recomputation). */
    public int chunk() { return chunk; }

    /** Elements of the saved-state buffer: (B, D, nChunks, N). */
    public long stateElements(ScanShape s) { return (long) s.batch() * s.channels() * s.chunks(chunk) * s.state(); }

    static String source() {
        try (InputStream in = SelectiveScanCuda.class.getResourceAsStream("/dev/jmamba/ssm/cuda/" + SOURCE_NAME)) {
            if (in == null) throw new IllegalStateException("missing resource " + SOURCE_NAME);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SOURCE_NAME, e);
        }
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
        long floats = bwd ? 4L * n * tlp + 9L * td * tlp + 2L * slices * chunk * threads + 2L * td
                          : 2L * n * tlp + 4L * td * tlp;
        return 4 * floats;
    }

    private void fill(ScanShape s, boolean softplus, boolean bwd, long[] ptrs) {
        if (s.state() > 256) throw new IllegalArgumentException("the GPU scan supports N <= 256, got " + s.state());
        MemorySegment st = args.slot(0);
        int[] ints = {s.batch(), s.channels(), s.length(), s.state(), s.groups(), lanes(s, bwd), s.chunks(chunk),
                softplus ? 1 : 0, channelsPerBlock(s, bwd)};
        for (int i = 0; i < ints.length; i++) st.set(ValueLayout.JAVA_INT, 4L * i, ints[i]);
        for (int i = 0; i < ptrs.length; i++) st.set(ValueLayout.JAVA_LONG, 40L + 8L * i, ptrs[i]);
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
    public synchronized void forward(ScanShape s, boolean softplus, long u, long delta, long A, long Bm, long Cm,
                                     long dSkip, long z, long deltaBias, long out, long states, long lastState) {
        fill(s, softplus, false, new long[] {u, delta, A, Bm, Cm, dSkip, z, deltaBias, out, states, lastState,
                0, 0, 0, 0, 0, 0, 0, 0, 0});
        launch(s, s.state() <= 32 ? fwd1 : fwd8, false);
    }

    /**
     * Backward from gout (B, D, L) and the states saved by {@link #forward}. Writes du, ddelta, dz
     * (B, D, L) and accumulates into dA (D, N), dB, dC (B, G, N, L), dDskip, ddeltaBias (D), which
     * this method zeroes first. dz, dDskip, ddeltaBias may be 0 when z, dSkip, deltaBias are absent.
     */
    public synchronized void backward(ScanShape s, boolean softplus, long u, long delta, long A, long Bm, long Cm,
                                      long dSkip, long z, long deltaBias, long states, long gout,
                                      long du, long ddelta, long dA, long dB, long dC, long dDskipOut, long dz,
                                      long ddeltaBias) {
        long stream = context.stream();
        CudaDriver.memsetD32Async(dA, 0, (long) s.channels() * s.state(), stream);
        CudaDriver.memsetD32Async(dB, 0, s.groupedSize(), stream);
        CudaDriver.memsetD32Async(dC, 0, s.groupedSize(), stream);
        if (dDskipOut != 0) CudaDriver.memsetD32Async(dDskipOut, 0, s.channels(), stream);
        if (ddeltaBias != 0) CudaDriver.memsetD32Async(ddeltaBias, 0, s.channels(), stream);
        fill(s, softplus, true, new long[] {u, delta, A, Bm, Cm, dSkip, z, deltaBias, 0, states, 0,
                gout, du, ddelta, dA, dB, dC, dSkip != 0 ? dDskipOut : 0, z != 0 ? dz : 0, deltaBias != 0 ? ddeltaBias : 0});
        launch(s, s.state() <= 32 ? bwd1 : bwd8, true);
    }
}
