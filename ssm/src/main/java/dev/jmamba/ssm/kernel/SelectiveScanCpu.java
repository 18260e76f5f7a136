package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.SimdSupport;

import java.util.Arrays;

/**
 * The fused float32 selective scan (S6) on the CPU, forward and hand-written backward.
 *
 * <p>With the Vector API, {@link #create()} runs one of two SIMD kernels chosen by N: across
 * positions ({@code ScanPositionsSimd}, an in-vector prefix scan; small N such as VMamba's N = 1)
 * or across channels ({@code ScanBlocksSimd}, 16 channels of a group per vector; N ≥ 8 such as
 * Vim's N = 16, and short sequences of at most one chunk whatever N, such as VMamba-nano's 7×7 to 2×2 stages). Both keep the contract below (same chunk states, same results up to rounding).
 * What follows describes the plain-loop kernel, {@link #scalar()}.
 *
 * <p>Forward: parallel over the (b, d) channels; each walks L in chunks of {@link #CHUNK}
 * positions, computing dt, the decays exp(dt·A) (one exp per (b, d, l, n)), the recurrence and
 * the gated output, and saves the state at the end of every chunk, (B, D, nChunks, N), instead of
 * all L states. B and C are read through a length-major (B, G, L, N) copy so that the N states of
 * one position are contiguous (SIMD over n).
 *
 * <p>Backward (spec §3 and §4): chunks in reverse; each chunk recomputes its states from the saved
 * boundary state into a small per-thread buffer, then runs the adjoint recurrence backwards through
 * it. dB and dC (B, G, N, L) are shared by the D/G channels of a group, so the parallel loop runs
 * over (b, g, slice of the group's channels): each task owns its rows of dB/dC (one copy per slice,
 * summed at the end) and no two tasks write the same element. dA, dDskip and ddeltaBias are
 * written per (b, d) and summed over b at the end, in a fixed order (deterministic results).
 */
public final class SelectiveScanCpu {

    /** K: positions per chunk; one saved state per chunk and the size of the recompute buffer. */
    public static final int CHUNK = 64;

    /**
     * The SIMD kernel works across channels from this state size N on, across positions below it
     * (measured crossover, ssm/PERF-NOTES.md: positions win clearly at N = 2 and 4, tie at N = 8,
     * channels win at N = 16).
     */
    static final int ACROSS_CHANNELS_FROM_N = 8;

    /**
     * ... and for any N on sequences of at most one chunk: across positions, a channel of L = 4 to 49
     * positions fills one to seven vectors and pays its per-channel set-up for them. Measured on 2 AVX2
     * cores, VMamba-nano's stages at batch 64 (B, K·d_inner, L, N = 1, G = 4), forward / backward ms,
     * positions → channels: (64, 128, 49) 1.55 / 3.85 → 1.14 / 3.23; (64, 256, 16) 1.47 / 3.98 → 0.82 / 2.24;
     * (64, 512, 4) 1.69 / 5.15 → 0.45 / 1.12; but (64, 128, 196) 3.32 / 7.34 → 2.76 / 9.47.
     */
    static final int ACROSS_CHANNELS_UP_TO_L = CHUNK;

    private final ScanLoops loops;
    /** The Vector API kernels (null for the plain loops): SIMD across positions, across channels. */
    private final ScanKernel positions, blocks;

    private SelectiveScanCpu(ScanLoops loops, ScanKernel positions, ScanKernel blocks) {
        this.loops = loops;
        this.positions = positions;
        this.blocks = blocks;
    }

    /** The SIMD kernel when the Vector API is available, else the scalar one. */
    public static SelectiveScanCpu create() { return SimdSupport.ENABLED ? simd() : scalar(); }

    /** The plain-loop kernel (always available). */
    public static SelectiveScanCpu scalar() { return new SelectiveScanCpu(ScanLoopsScalar.INSTANCE, null, null); }

    /** The Vector API kernel; throws when {@code jdk.incubator.vector} is not loaded. */
    public static SelectiveScanCpu simd() {
        if (!SimdSupport.ENABLED) {
            throw new IllegalStateException("SIMD scan needs --add-modules jdk.incubator.vector (SimdSupport.ENABLED is false)");
        }
        return new SelectiveScanCpu(null, ScanPositionsSimd.create(), ScanBlocksSimd.create());
    }

    /** Only the Vector API kernel with SIMD across positions, whatever N (for tests and measurements). */
    static SelectiveScanCpu simdAcrossPositions() { return new SelectiveScanCpu(null, simd().positions, null); }

    /** Only the Vector API kernel with SIMD across channels, whatever N (for tests and measurements). */
    static SelectiveScanCpu simdAcrossChannels() { return new SelectiveScanCpu(null, null, simd().blocks); }

    /** The Vector API kernel for this shape, or null for the plain loops. */
    private ScanKernel kernelFor(ScanShape s) {
        if (positions == null || blocks == null) return positions != null ? positions : blocks;
        return s.state() < ACROSS_CHANNELS_FROM_N && s.length() > ACROSS_CHANNELS_UP_TO_L ? positions : blocks;
    }

    /** Whether this instance runs the Vector API loops. */
    public boolean usesSimd() { return positions != null || blocks != null; }

    /**
     * Runs the scan forward.
     *
     * @param wantLastState whether to return the (B, D, N) final state as well
     */
    public ScanForward forward(ScanArgs a, boolean wantLastState) {
        ScanKernel simd = kernelFor(a.shape());
        if (simd != null) return simd.forward(a, wantLastState);
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state(), G = s.groups();
        int chunks = s.chunks(CHUNK);
        float[] Bt = lengthMajor(a.Bm(), s);                        // (B, G, L, N)
        float[] Ct = lengthMajor(a.Cm(), s);                        // (B, G, L, N)
        float[] out = new float[s.sequenceSize()];                  // (B, D, L)
        float[] chunkStates = new float[B * D * chunks * N];        // (B, D, nChunks, N)
        Parallel.forBlocks(B * D, 1, (start, end) -> {
            ScanWorkspace ws = new ScanWorkspace(CHUNK, N);
            for (int bd = start; bd < end; bd++) {
                int b = bd / D, d = bd % D, g = s.groupOf(d);
                int seq = bd * L, bc = (b * G + g) * L * N;
                float bias = a.deltaBias() == null ? 0f : a.deltaBias()[d];
                float skip = a.dSkip() == null ? 0f : a.dSkip()[d];
                Arrays.fill(ws.h, 0f);
                for (int c = 0; c < chunks; c++) {
                    int l0 = c * CHUNK, len = Math.min(CHUNK, L - l0);
                    loops.stepSizes(a.delta(), seq + l0, len, bias, a.deltaSoftplus(), ws.dt, null);
                    loops.decays(ws.dt, len, a.A(), d * N, N, ws.decay);
                    loops.recurrence(ws, len, a.u(), seq + l0, Bt, Ct, bc + l0 * N, false);
                    loops.gateForward(ws.y, len, skip, a.u(), a.z(), seq + l0, out);
                    System.arraycopy(ws.h, 0, chunkStates, (bd * chunks + c) * N, N);
                }
            }
        });
        float[] lastState = null;                                   // (B, D, N)
        if (wantLastState) {
            lastState = new float[B * D * N];
            for (int bd = 0; bd < B * D; bd++)
                System.arraycopy(chunkStates, (bd * chunks + chunks - 1) * N, lastState, bd * N, N);
        }
        return new ScanForward(out, lastState, chunkStates);
    }

    /**
     * Gradients of {@code sum(gout · out)} with respect to every input.
     *
     * @param chunkStates (B, D, nChunks, N) from {@link ScanForward#chunkStates()} of the same inputs
     * @param gout        (B, D, L) gradient of the loss with respect to out
     */
    public ScanGrads backward(ScanArgs a, float[] chunkStates, float[] gout) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state(), G = s.groups();
        int chunks = s.chunks(CHUNK);
        ScanShape.requireLength("chunkStates", "(B, D, nChunks = ceil(L / " + CHUNK + "), N)",
                ScanArgs.len(chunkStates), false, B, D, chunks, N);
        ScanShape.requireLength("gout", "(B, D, L)", ScanArgs.len(gout), false, B, D, L);
        ScanKernel simd = kernelFor(s);
        if (simd != null) return simd.backward(a, chunkStates, gout);
        int perGroup = s.channelsPerGroup();
        int slices = slicesPerGroup(s);
        int sliceWidth = Math.ceilDiv(perGroup, slices);
        float[] Bt = lengthMajor(a.Bm(), s);                        // (B, G, L, N)
        float[] Ct = lengthMajor(a.Cm(), s);                        // (B, G, L, N)
        float[] dBt = new float[slices * s.groupedSize()];          // (slices, B, G, L, N)
        float[] dCt = new float[slices * s.groupedSize()];          // (slices, B, G, L, N)
        float[] du = new float[s.sequenceSize()];                   // (B, D, L)
        float[] ddelta = new float[s.sequenceSize()];               // (B, D, L)
        float[] dz = a.z() == null ? null : new float[s.sequenceSize()];  // (B, D, L)
        float[] dAPerBatch = new float[B * D * N];                  // (B, D, N)
        double[] dSkipPerBatch = new double[B * D];                 // (B, D)
        double[] dBiasPerBatch = new double[B * D];                 // (B, D)
        Parallel.forBlocks(B * G * slices, 1, (start, end) -> {
            ScanWorkspace ws = new ScanWorkspace(CHUNK, N);
            for (int task = start; task < end; task++) {
                int b = task / (G * slices), g = task / slices % G, slice = task % slices;
                int dFirst = g * perGroup + slice * sliceWidth;
                int dEnd = Math.min(g * perGroup + perGroup, dFirst + sliceWidth);
                int bc = (b * G + g) * L * N, dbc = ((slice * B + b) * G + g) * L * N;
                for (int d = dFirst; d < dEnd; d++) {
                    backwardChannel(a, b, d, bc, dbc, chunkStates, gout, Bt, Ct, ws, dBt, dCt, du, ddelta, dz);
                    int bd = b * D + d;
                    System.arraycopy(ws.dA, 0, dAPerBatch, bd * N, N);
                    dSkipPerBatch[bd] = ws.sumSkip;
                    dBiasPerBatch[bd] = ws.sumBias;
                }
            }
        });
        return grads(a, du, ddelta, dAPerBatch, dSkipPerBatch, dBiasPerBatch,
                stateMajor(dBt, slices, s), stateMajor(dCt, slices, s), dz);
    }

    /**
     * The gradients from per-(b, d) partial results, summing dA, dDskip and ddelta_bias over b in a
     * fixed order (deterministic whatever the thread split).
     *
     * @param dAPerBatch    (B, D, N)
     * @param dSkipPerBatch (B, D) Σ_l gy·u
     * @param dBiasPerBatch (B, D) Σ_l ddelta
     */
    static ScanGrads grads(ScanArgs a, float[] du, float[] ddelta, float[] dAPerBatch, double[] dSkipPerBatch,
                           double[] dBiasPerBatch, float[] dB, float[] dC, float[] dz) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), N = s.state();
        float[] dA = new float[D * N];                              // (D, N) = sum over b
        float[] dDskip = a.dSkip() == null ? null : new float[D];   // (D)
        float[] ddeltaBias = a.deltaBias() == null ? null : new float[D];  // (D)
        for (int d = 0; d < D; d++) {
            double skip = 0, bias = 0;
            for (int b = 0; b < B; b++) {
                for (int n = 0; n < N; n++) dA[d * N + n] += dAPerBatch[(b * D + d) * N + n];
                skip += dSkipPerBatch[b * D + d];
                bias += dBiasPerBatch[b * D + d];
            }
            if (dDskip != null) dDskip[d] = (float) skip;
            if (ddeltaBias != null) ddeltaBias[d] = (float) bias;
        }
        return new ScanGrads(du, ddelta, dA, dB, dC, dDskip, dz, ddeltaBias);
    }

    /** Backward through one channel (b, d), chunks in reverse; leaves dA, Σ gy·u and Σ ddelta in ws. */
    private void backwardChannel(ScanArgs a, int b, int d, int bc, int dbc, float[] chunkStates, float[] gout,
                                 float[] Bt, float[] Ct, ScanWorkspace ws, float[] dBt, float[] dCt,
                                 float[] du, float[] ddelta, float[] dz) {
        ScanShape s = a.shape();
        int D = s.channels(), L = s.length(), N = s.state(), chunks = s.chunks(CHUNK), bd = b * D + d, seq = bd * L;
        float bias = a.deltaBias() == null ? 0f : a.deltaBias()[d];
        float skip = a.dSkip() == null ? 0f : a.dSkip()[d];
        Arrays.fill(ws.carry, 0f);
        Arrays.fill(ws.dA, 0f);
        double sumSkip = 0, sumBias = 0;
        for (int c = chunks - 1; c >= 0; c--) {
            int l0 = c * CHUNK, len = Math.min(CHUNK, L - l0);
            if (c == 0) Arrays.fill(ws.h, 0f);
            else System.arraycopy(chunkStates, (bd * chunks + c - 1) * N, ws.h, 0, N);
            System.arraycopy(ws.h, 0, ws.states, 0, N);                 // row 0: state entering the chunk
            loops.stepSizes(a.delta(), seq + l0, len, bias, a.deltaSoftplus(), ws.dt, ws.dSoftplus);
            loops.decays(ws.dt, len, a.A(), d * N, N, ws.decay);
            loops.recurrence(ws, len, a.u(), seq + l0, Bt, Ct, bc + l0 * N, true);
            loops.gateBackward(ws.y, len, skip, a.u(), a.z(), gout, seq + l0, ws.gy, dz);
            loops.adjoint(ws, len, a.u(), seq + l0, Bt, Ct, bc + l0 * N, a.A(), d * N, dBt, dCt, dbc + l0 * N, du);
            for (int k = 0; k < len; k++) {
                int i = seq + l0 + k;
                du[i] += skip * ws.gy[k];                                // du += Dskip · gy
                sumSkip += ws.gy[k] * a.u()[i];                          // dDskip = Σ gy · u
                ddelta[i] = a.deltaSoftplus() ? ws.ddt[k] * ws.dSoftplus[k] : ws.ddt[k];
                sumBias += ddelta[i];                                    // ddelta_bias = Σ ddelta
            }
        }
        ws.sumSkip = sumSkip;
        ws.sumBias = sumBias;
    }

    /** Enough tasks for the pool: split each group's channels when B·G alone is too few. */
    private static int slicesPerGroup(ScanShape s) {
        int tasksWanted = 2 * Parallel.threads();
        int perBatchGroup = Math.ceilDiv(tasksWanted, s.batch() * s.groups());
        return Math.max(1, Math.min(s.channelsPerGroup(), perBatchGroup));
    }

    /** (B, G, N, L) to (B, G, L, N); with N = 1 the layouts coincide and the array is returned as is. */
    static float[] lengthMajor(float[] stateMajor, ScanShape s) {
        int N = s.state(), L = s.length(), rows = s.batch() * s.groups();
        if (N == 1) return stateMajor;
        float[] t = new float[stateMajor.length];
        for (int r = 0; r < rows; r++)
            for (int n = 0; n < N; n++)
                for (int l = 0; l < L; l++) t[(r * L + l) * N + n] = stateMajor[(r * N + n) * L + l];
        return t;
    }

    /** Sums the slices of (slices, B, G, L, N) and returns it as (B, G, N, L). */
    static float[] stateMajor(float[] slicedLengthMajor, int slices, ScanShape s) {
        int N = s.state(), L = s.length(), rows = s.batch() * s.groups(), size = s.groupedSize();
        if (N == 1 && slices == 1) return slicedLengthMajor;
        float[] out = new float[size];
        for (int slice = 0; slice < slices; slice++)
            for (int r = 0; r < rows; r++)
                for (int n = 0; n < N; n++)
                    for (int l = 0; l < L; l++)
                        out[(r * N + n) * L + l] += slicedLengthMajor[slice * size + (r * L + l) * N + n];
        return out;
    }
}
