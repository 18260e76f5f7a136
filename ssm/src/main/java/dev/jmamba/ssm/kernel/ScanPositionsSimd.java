package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmamba.ssm.kernel.LaneShiftSimd.STEPS;
import static dev.jmamba.ssm.kernel.LaneShiftSimd.V;
import static dev.jmamba.ssm.kernel.SelectiveScanCpu.CHUNK;

/**
 * The Vector API scan for small N (VMamba's N = 1), SIMD across positions: one vector holds V
 * consecutive positions of one channel, read straight from the (B, D, L) arrays and the
 * (B, G, N, L) rows of B and C (no transposes). The recurrence h_l = a_l·h_{l-1} + b_l inside a
 * vector is a prefix scan of the pairs (a, b) under (a₁, b₁) then (a₂, b₂) = (a₂a₁, a₂b₁ + b₂)
 * (spec §2, "parallel form"), log₂ V steps, then the state entering the vector is folded in.
 * Each chunk is handled in row passes over per-thread buffers of {@link #ROW} positions (step
 * sizes; one pass per state n; the gate), small loops that the JIT compiles without boxing.
 * Positions past L get dt = 0 and u = 0 (a = 1, b = 0: the identity), masked loads and stores.
 * This class is the forward and the shared row passes; {@link ScanPositionsBackwardSimd} the
 * backward. Loaded only when {@code SimdSupport.ENABLED}.
 */
final class ScanPositionsSimd implements ScanKernel {

    static final VectorSpecies<Float> S = LaneShiftSimd.S;
    /** Floats of one (N, span) buffer: the span is the largest multiple of CHUNK within it (at least one chunk). */
    private static final int SPAN_FLOATS = 16384;

    private ScanPositionsSimd() {}

    /** Typed as the interface so callers never name (and so never load) this class's vector types. */
    static ScanKernel create() { return new ScanPositionsSimd(); }

    @Override
    public ScanGrads backward(ScanArgs a, float[] chunkStates, float[] gout) {
        return ScanPositionsBackwardSimd.backward(a, chunkStates, gout);
    }

    @Override
    public ScanForward forward(ScanArgs a, boolean wantLastState) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), N = s.state(), chunks = s.chunks(CHUNK);
        float[] out = new float[s.sequenceSize()];                  // (B, D, L)
        float[] chunkStates = new float[B * D * chunks * N];        // (B, D, nChunks, N)
        Parallel.forBlocks(B * D, 1, (start, end) -> {
            int row = span(s) + V;
            float[] h = new float[N], dt = new float[row], u = new float[row], y = new float[row], decay = new float[row];
            for (int bd = start; bd < end; bd++) forwardChannel(a, bd, h, dt, u, y, decay, out, chunkStates);
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
     * Positions per pass: whole multiples of CHUNK, as many as fit {@link #SPAN_FLOATS} for N states
     * (VMamba's N = 1: 16384 positions, so one pass per channel). Long passes matter: a chunk of 64
     * positions is only 4 vectors, and per-pass overheads dominated with one pass per chunk.
     */
    static int span(ScanShape s) {
        int chunks = Math.max(1, Math.min(s.chunks(CHUNK), SPAN_FLOATS / (CHUNK * s.state())));
        return chunks * CHUNK;
    }

    /** @param h (N) state; dt, u, y, decay (span + V) row buffers */
    private static void forwardChannel(ScanArgs a, int bd, float[] h, float[] dt, float[] u, float[] y, float[] decay,
                                       float[] out, float[] chunkStates) {
        ScanShape s = a.shape();
        int D = s.channels(), L = s.length(), N = s.state(), chunks = s.chunks(CHUNK), d = bd % D;
        int seq = bd * L, bc = (bd / D * s.groups() + s.groupOf(d)) * N * L;
        float bias = a.deltaBias() == null ? 0f : a.deltaBias()[d];
        float skip = a.dSkip() == null ? 0f : a.dSkip()[d];
        Arrays.fill(h, 0f);
        for (int l0 = 0, span = span(s); l0 < L; l0 += span) {
            int len = Math.min(span, L - l0);
            stepSizes(a.delta(), seq + l0, len, bias, a.deltaSoftplus(), dt, null);
            loadPadded(a.u(), seq + l0, len, u);
            Arrays.fill(y, 0f);
            for (int n = 0; n < N; n++) {
                decays(dt, len, a.A()[d * N + n], decay, 0);
                h[n] = scanRow(dt, u, len, a.Bm(), a.Cm(), bc + n * L + l0, h[n], y, decay, null, 0,
                        chunkStates, (bd * chunks + l0 / CHUNK) * N + n, N);
            }
            gateForward(y, u, len, skip, a.z(), seq + l0, out);
        }
    }

    /** row[k] = src[off + k] for k < len, 0 up to the next multiple of V. */
    static void loadPadded(float[] src, int off, int len, float[] row) {
        for (int k = 0; k < len; k += V) FloatVector.fromArray(S, src, off + k, S.indexInRange(k, len)).intoArray(row, k);
    }

    /**
     * dt[k] = softplus?(delta[off + k] + bias), 0 past len; with a non-null {@code expNegAbs} (and
     * softplus) also keeps e^{-|x|} there for {@link #softplusGrads}.
     */
    static void stepSizes(float[] delta, int off, int len, float bias, boolean softplus, float[] dt, float[] expNegAbs) {
        for (int k = 0; k < len; k += V) {
            VectorMask<Float> m = S.indexInRange(k, len);
            FloatVector x = FloatVector.fromArray(S, delta, off + k, m).add(bias), step = x;
            if (softplus) {
                FloatVector t = ScanMathSimd.expNegAbs(x);
                step = ScanMathSimd.softplus(x, t);
                if (expNegAbs != null) t.intoArray(expNegAbs, k);
            }
            FloatVector.zero(S).blend(step, m).intoArray(dt, k);
        }
    }

    /**
     * d dt / d delta = sigmoid(x) from x = delta + bias and t = e^{-|x|} (left in {@code grad} by
     * {@link #stepSizes}), in place; 1 without softplus. A separate small loop: fused into
     * stepSizes the JIT stopped inlining (NodeCountInliningCutoff) and boxed the vectors.
     */
    static void softplusGrads(float[] delta, int off, int len, float bias, boolean softplus, float[] grad) {
        if (!softplus) {
            Arrays.fill(grad, 1f);
            return;
        }
        for (int k = 0; k < len; k += V) {
            FloatVector x = FloatVector.fromArray(S, delta, off + k, S.indexInRange(k, len)).add(bias);
            ScanMathSimd.softplusGrad(x, FloatVector.fromArray(S, grad, k)).intoArray(grad, k);
        }
    }

    /** decay[rowOff + k] = exp(dt[k]·A) for the positions of the pass (1 past len, where dt = 0). */
    static void decays(float[] dt, int len, float A, float[] decay, int rowOff) {
        for (int k = 0; k < len; k += V) ScanMathSimd.exp(FloatVector.fromArray(S, dt, k).mul(A)).intoArray(decay, rowOff + k);
    }

    /**
     * One state n through the pass: h = a·h + dt·u·B_n with a = decay[rowOff + k] from
     * {@link #decays}, y += C_n·h, with the B and C row of the group starting at {@code bcOff}.
     * A separate loop from the exp: together they outgrew the JIT's inlining budget (bounds checks
     * became calls). Optionally keeps the states in {@code states[rowOff + 1 + k]}, and the state at
     * the end of every chunk of CHUNK positions in {@code chunkEnds[endsOff + chunk · endsStride]}.
     *
     * @return the state after the chunk
     */
    static float scanRow(float[] dt, float[] u, int len, float[] Bm, float[] Cm, int bcOff, float hIn,
                         float[] y, float[] decay, float[] states, int rowOff,
                         float[] chunkEnds, int endsOff, int endsStride) {
        FloatVector h = FloatVector.broadcast(S, hIn);               // the state before position k, in every lane
        for (int k = 0; k < len; k += V) {
            VectorMask<Float> m = S.indexInRange(k, len);
            FloatVector dtv = FloatVector.fromArray(S, dt, k);
            FloatVector decayed = FloatVector.fromArray(S, decay, rowOff + k);
            FloatVector b = dtv.mul(FloatVector.fromArray(S, u, k)).mul(FloatVector.fromArray(S, Bm, bcOff + k, m));
            FloatVector hv = scan(decayed, b, h);
            h = LaneShiftSimd.broadcastLast(hv);                     // past len: a = 1, b = 0 keeps h
            hv.fma(FloatVector.fromArray(S, Cm, bcOff + k, m), FloatVector.fromArray(S, y, k)).intoArray(y, k);
            if (states != null) hv.intoArray(states, rowOff + 1 + k);
            if (chunkEnds != null && ((k + V) % CHUNK == 0 || k + V >= len)) chunkEnds[endsOff + k / CHUNK * endsStride] = hv.lane(V - 1);
        }
        return h.lane(0);
    }

    /**
     * The states h of V consecutive positions from their decays {@code a}, inputs {@code b} and the
     * state {@code hIn} (in every lane) entering the first one: h_i = a_i·h_{i-1} + b_i.
     */
    static FloatVector scan(FloatVector a, FloatVector b, FloatVector hIn) {
        for (int st = 0; st < STEPS; st++) {                         // (a, b)_i ← (a, b)_{i-s} then (a, b)_i
            b = a.fma(LaneShiftSimd.upZero(b, st), b);
            a = LaneShiftSimd.mulUp(a, st);
        }
        return a.fma(hIn, b);                                        // a_i = a_i ⋯ a_0; b_i = h_i when hIn = 0
    }

    /** out[off + k] = (y + Dskip·u) · silu(z) for k < len (no gate when z is null). */
    private static void gateForward(float[] y, float[] u, int len, float skip, float[] z, int off, float[] out) {
        for (int k = 0; k < len; k += V) {
            VectorMask<Float> m = S.indexInRange(k, len);
            FloatVector y0 = FloatVector.fromArray(S, u, k).fma(FloatVector.broadcast(S, skip), FloatVector.fromArray(S, y, k));
            if (z != null) {
                FloatVector zv = FloatVector.fromArray(S, z, off + k, m);
                y0 = y0.mul(zv).mul(ScanMathSimd.sigmoid(zv));
            }
            y0.intoArray(out, off + k, m);
        }
    }
}
