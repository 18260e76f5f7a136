package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.jmamba.ssm.kernel.SelectiveScanCpu.CHUNK;

/**
 * The Vector API scan, SIMD across channels: one vector holds W consecutive channels of one
 * (b, group) (W = 16 floats with AVX-512), which share their B and C rows, so B[n, l] and C[n, l]
 * are scalar broadcasts and every equation of spec §2 becomes a plain lane-wise vector operation,
 * for any N: no horizontal sum for y = Σ_n C·h (it is a vector accumulation over n), and the N = 1
 * recurrence runs 16 channels' chains side by side. The (B, D, L) inputs are copied into
 * position-major (K, W) tiles per chunk by {@link ScanTiles}. This class is the forward;
 * {@link ScanBlocksBackwardSimd} the backward. Loaded only when {@code SimdSupport.ENABLED}.
 */
final class ScanBlocksSimd implements ScanKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** W: channels per block. */
    static final int W = S.length();

    private ScanBlocksSimd() {}

    /** Typed as the interface so callers never name (and so never load) this class's vector types. */
    static ScanKernel create() { return new ScanBlocksSimd(); }

    /** Blocks of W channels per group (the last one may be partial). */
    static int blocksPerGroup(ScanShape s) { return Math.ceilDiv(s.channelsPerGroup(), W); }

    @Override
    public ScanGrads backward(ScanArgs a, float[] chunkStates, float[] gout) {
        return ScanBlocksBackwardSimd.backward(a, chunkStates, gout);
    }

    @Override
    public ScanForward forward(ScanArgs a, boolean wantLastState) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), N = s.state(), G = s.groups(), chunks = s.chunks(CHUNK);
        int blocks = blocksPerGroup(s);
        float[] out = new float[s.sequenceSize()];                  // (B, D, L)
        float[] chunkStates = new float[B * D * chunks * N];        // (B, D, nChunks, N)
        Parallel.forBlocks(B * G * blocks, 1, (start, end) -> {
            ScanBlockWorkspace ws = new ScanBlockWorkspace(CHUNK, N, W);
            for (int task = start; task < end; task++)
                forwardBlock(a, task / (G * blocks), task / blocks % G, task % blocks, ws, out, chunkStates);
        });
        float[] lastState = null;                                   // (B, D, N)
        if (wantLastState) {
            lastState = new float[B * D * N];
            for (int bd = 0; bd < B * D; bd++)
                System.arraycopy(chunkStates, (bd * chunks + chunks - 1) * N, lastState, bd * N, N);
        }
        return new ScanForward(out, lastState, chunkStates);
    }

    /** Channels d0 .. d0 + count − 1 of batch row b, group g, all chunks. */
    private static void forwardBlock(ScanArgs a, int b, int g, int block, ScanBlockWorkspace ws,
                                     float[] out, float[] chunkStates) {
        ScanShape s = a.shape();
        int D = s.channels(), L = s.length(), N = s.state(), chunks = s.chunks(CHUNK), perGroup = s.channelsPerGroup();
        int d0 = g * perGroup + block * W, count = Math.min(W, perGroup - block * W);
        int row = (b * D + d0) * L;                                 // (b, d0, 0) in (B, D, L)
        int bc = (b * s.groups() + g) * N * L;                      // (b, g, 0, 0) in (B, G, N, L)
        ScanTiles.loadColumns(a.A(), d0 * N, N, N, count, W, ws.aT);
        ScanTiles.loadLanes(a.deltaBias(), d0, count, 0f, ws.bias);
        ScanTiles.loadLanes(a.dSkip(), d0, count, 0f, ws.skip);
        java.util.Arrays.fill(ws.h, 0f);
        for (int c = 0; c < chunks; c++) {
            int l0 = c * CHUNK, len = Math.min(CHUNK, L - l0);
            ScanTiles.load(a.delta(), row + l0, L, len, count, W, ws.delta);
            ScanTiles.load(a.u(), row + l0, L, len, count, W, ws.u);
            if (a.z() != null) ScanTiles.load(a.z(), row + l0, L, len, count, W, ws.z);
            stepSizes(ws, len, a.deltaSoftplus(), false);
            recurrence(ws, len, N, a.Bm(), a.Cm(), bc + l0, L, ws.h, null, null, ws.out);
            for (int k = 0; k < len * W; k += W) {                  // out = (y + Dskip u) · silu(z)
                FloatVector y0 = FloatVector.fromArray(S, ws.u, k).fma(FloatVector.fromArray(S, ws.skip, 0),
                        FloatVector.fromArray(S, ws.out, k));
                if (a.z() != null) {
                    FloatVector z = FloatVector.fromArray(S, ws.z, k);
                    y0 = y0.mul(z).mul(ScanMathSimd.sigmoid(z));
                }
                y0.intoArray(ws.out, k);
            }
            ScanTiles.store(ws.out, len, count, W, out, row + l0, L);
            ScanTiles.store(ws.h, N, count, W, chunkStates, (b * D + d0) * chunks * N + c * N, chunks * N);
        }
    }

    /**
     * ws.dt = softplus?(delta + bias) per lane; with {@code derivative} also ws.dSoftplus =
     * d dt / d delta, in a second small loop (fused, the JIT stopped inlining and boxed vectors).
     */
    static void stepSizes(ScanBlockWorkspace ws, int len, boolean softplus, boolean derivative) {
        FloatVector bias = FloatVector.fromArray(S, ws.bias, 0);
        for (int k = 0; k < len * W; k += W) {
            FloatVector x = FloatVector.fromArray(S, ws.delta, k).add(bias);
            if (softplus) {
                FloatVector t = ScanMathSimd.expNegAbs(x);
                ScanMathSimd.softplus(x, t).intoArray(ws.dt, k);
                if (derivative) t.intoArray(ws.dSoftplus, k);                      // e^{-|x|}, for below
            } else {
                x.intoArray(ws.dt, k);
            }
        }
        if (!derivative) return;
        if (!softplus) {
            java.util.Arrays.fill(ws.dSoftplus, 0, len * W, 1f);
            return;
        }
        for (int k = 0; k < len * W; k += W) {
            FloatVector x = FloatVector.fromArray(S, ws.delta, k).add(bias);
            ScanMathSimd.softplusGrad(x, FloatVector.fromArray(S, ws.dSoftplus, k)).intoArray(ws.dSoftplus, k);
        }
    }

    /**
     * The recurrence over one chunk for the block's lanes: h = exp(dt·A)·h + dt·u·B[n, l],
     * y = Σ_n C[n, l]·h. B and C are read at Bm/Cm[bc + n·L + k] (one scalar broadcast each).
     *
     * @param h      (N, W) state in and out
     * @param decay  (K, N, W) where to keep exp(dt·A), or null
     * @param states (K + 1, N, W) where to keep h after each position (rows 1..len), or null
     * @param y      (K, W) y per position
     */
    static void recurrence(ScanBlockWorkspace ws, int len, int N, float[] Bm, float[] Cm, int bc, int L,
                           float[] h, float[] decay, float[] states, float[] y) {
        float[] aT = ws.aT;
        for (int k = 0; k < len; k++) {
            FloatVector dt = FloatVector.fromArray(S, ws.dt, k * W);
            FloatVector dtu = dt.mul(FloatVector.fromArray(S, ws.u, k * W));
            FloatVector acc = FloatVector.zero(S);
            for (int n = 0, i = 0; n < N; n++, i += W) {
                FloatVector decayed = ScanMathSimd.exp(dt.mul(FloatVector.fromArray(S, aT, i)));
                FloatVector hn = decayed.fma(FloatVector.fromArray(S, h, i), dtu.mul(Bm[bc + n * L + k]));
                hn.intoArray(h, i);
                if (decay != null) decayed.intoArray(decay, (k * N) * W + i);
                if (states != null) hn.intoArray(states, ((k + 1) * N) * W + i);
                acc = hn.fma(FloatVector.broadcast(S, Cm[bc + n * L + k]), acc);
            }
            acc.intoArray(y, k * W);
        }
    }

}
