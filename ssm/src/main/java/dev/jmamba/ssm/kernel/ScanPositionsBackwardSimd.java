package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.VectorMathSimd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmamba.ssm.kernel.LaneShiftSimd.STEPS;
import static dev.jmamba.ssm.kernel.LaneShiftSimd.V;
import static dev.jmamba.ssm.kernel.SelectiveScanCpu.CHUNK;

/**
 * The backward of {@link ScanPositionsSimd}, SIMD across positions (spec §3, §4). Per channel,
 * spans of whole chunks ({@link ScanPositionsSimd#span}) run last to first: the span's states are
 * recomputed from the saved state of the chunk before it (the decays exp(dt·A), one per
 * (b, d, l, n), and the states are kept in per-thread rows), then the
 * adjoint g_l = gy_l·C_l + a_{l+1}·g_{l+1} runs backwards, one vector of positions at a time, as a
 * suffix scan of the pairs (a_{l+1}, gy_l·C_l) with the carry a·g crossing from the later vector.
 * dB and dC rows are (B, G, N, L) with L contiguous, so each channel adds its terms with plain
 * vector adds; the parallel loop runs over (b, g, slice of the group's channels) and each slice
 * owns a copy of dB/dC (summed at the end), so no two tasks write the same element.
 */
final class ScanPositionsBackwardSimd {

    private static final VectorSpecies<Float> S = LaneShiftSimd.S;

    private ScanPositionsBackwardSimd() {}

    static ScanGrads backward(ScanArgs a, float[] chunkStates, float[] gout) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), N = s.state(), G = s.groups(), perGroup = s.channelsPerGroup();
        int slices = Math.max(1, Math.min(perGroup, Math.ceilDiv(2 * Parallel.threads(), B * G)));
        int sliceWidth = Math.ceilDiv(perGroup, slices);
        float[] dB = new float[slices * s.groupedSize()];           // (slices, B, G, N, L)
        float[] dC = new float[slices * s.groupedSize()];           // (slices, B, G, N, L)
        float[] du = new float[s.sequenceSize()];                   // (B, D, L)
        float[] ddelta = new float[s.sequenceSize()];               // (B, D, L)
        float[] dz = a.z() == null ? null : new float[s.sequenceSize()];  // (B, D, L)
        float[] dAPerBatch = new float[B * D * N];                  // (B, D, N)
        double[] dSkipPerBatch = new double[B * D];                 // (B, D)
        double[] dBiasPerBatch = new double[B * D];                 // (B, D)
        Parallel.forBlocks(B * G * slices, 1, (start, end) -> {
            Channel ch = new Channel(a, chunkStates, gout, du, ddelta, dz);
            for (int task = start; task < end; task++) {
                int b = task / (G * slices), g = task / slices % G, slice = task % slices;
                int dFirst = g * perGroup + slice * sliceWidth, dEnd = Math.min(g * perGroup + perGroup, dFirst + sliceWidth);
                for (int d = dFirst; d < dEnd; d++) {
                    ch.run(b * D + d, slice * s.groupedSize(), dB, dC);
                    System.arraycopy(ch.dA, 0, dAPerBatch, (b * D + d) * N, N);
                    dSkipPerBatch[b * D + d] = ch.sumSkip;
                    dBiasPerBatch[b * D + d] = ch.sumBias;
                }
            }
        });
        return SelectiveScanCpu.grads(a, du, ddelta, dAPerBatch, dSkipPerBatch, dBiasPerBatch,
                sumSlices(dB, slices), sumSlices(dC, slices), dz);
    }

    /** (slices, X) summed to (X); one slice is returned as is. */
    static float[] sumSlices(float[] sliced, int slices) {
        if (slices == 1) return sliced;
        int size = sliced.length / slices;
        float[] sum = Arrays.copyOf(sliced, size);
        for (int slice = 1; slice < slices; slice++)
            for (int i = 0; i < size; i++) sum[i] += sliced[slice * size + i];
        return sum;
    }

    /** Per-thread row buffers and the backward of one (b, d) channel. */
    private static final class Channel {
        final ScanArgs a;
        final float[] chunkStates, gout, du, ddelta, dz;
        final int N, L, chunks, span, row;
        /** (N, row) decays of the span; (N, row) states with the entering state at column 0. */
        final float[] decay, states;
        /** (row) dt, softplus', u, y, gradient into y0, Σ_n g·B and Σ_n A·g·a·h[l-1] of the span. */
        final float[] dt, dSoftplus, u, y, gy, sumGB, sumGAH;
        /** (N) adjoint carry a·g into the previous position; (N, V) dA lanes; (N) dA of the channel. */
        final float[] carry, dALanes, dA;
        /** (2, V) lanes of Σ gy·u and Σ ddelta. */
        final float[] sums = new float[2 * V];
        double sumSkip, sumBias;

        Channel(ScanArgs a, float[] chunkStates, float[] gout, float[] du, float[] ddelta, float[] dz) {
            this.a = a; this.chunkStates = chunkStates; this.gout = gout; this.du = du; this.ddelta = ddelta; this.dz = dz;
            N = a.shape().state(); L = a.shape().length(); chunks = a.shape().chunks(CHUNK);
            span = ScanPositionsSimd.span(a.shape());
            row = span + V;                                          // one vector of slack for shifted reads
            decay = new float[N * row]; states = new float[N * row];
            dt = new float[row]; dSoftplus = new float[row]; u = new float[row]; y = new float[row];
            gy = new float[row]; sumGB = new float[row]; sumGAH = new float[row];
            carry = new float[N]; dALanes = new float[N * V]; dA = new float[N];
        }

        void run(int bd, int sliceOff, float[] dB, float[] dC) {
            ScanShape s = a.shape();
            int d = bd % s.channels(), seq = bd * L, bc = (bd / s.channels() * s.groups() + s.groupOf(d)) * N * L;
            float bias = a.deltaBias() == null ? 0f : a.deltaBias()[d];
            float skip = a.dSkip() == null ? 0f : a.dSkip()[d];
            Arrays.fill(carry, 0f);
            Arrays.fill(dALanes, 0f);
            Arrays.fill(sums, 0f);
            for (int l0 = (L - 1) / span * span; l0 >= 0; l0 -= span) {
                int len = Math.min(span, L - l0);
                ScanPositionsSimd.stepSizes(a.delta(), seq + l0, len, bias, a.deltaSoftplus(), dt, dSoftplus);
                ScanPositionsSimd.softplusGrads(a.delta(), seq + l0, len, bias, a.deltaSoftplus(), dSoftplus);
                ScanPositionsSimd.loadPadded(a.u(), seq + l0, len, u);
                Arrays.fill(y, 0f);
                for (int n = 0; n < N; n++) {                         // recompute, keeping decays and states
                    float entering = l0 == 0 ? 0f : chunkStates[(bd * chunks + l0 / CHUNK - 1) * N + n];
                    states[n * row] = entering;
                    ScanPositionsSimd.decays(dt, len, a.A()[d * N + n], decay, n * row);
                    ScanPositionsSimd.scanRow(dt, u, len, a.Bm(), a.Cm(), bc + n * L + l0, entering,
                            y, decay, states, n * row, null, 0, 0);
                }
                gateBackward(len, skip, seq + l0);
                Arrays.fill(sumGB, 0f);
                Arrays.fill(sumGAH, 0f);
                for (int n = 0; n < N; n++)
                    adjointRow(n, len, a.A()[d * N + n], bc + n * L + l0, sliceOff, dB, dC);
                finishChunk(len, skip, seq + l0);
            }
            for (int n = 0; n < N; n++) dA[n] = VectorMathSimd.sumLanes(FloatVector.fromArray(S, dALanes, n * V));
            sumSkip = VectorMathSimd.sumLanes(FloatVector.fromArray(S, sums, 0));
            sumBias = VectorMathSimd.sumLanes(FloatVector.fromArray(S, sums, V));
        }

        /** gy (and dz) from gout, with y0 = y + Dskip·u. */
        private void gateBackward(int len, float skip, int off) {
            for (int k = 0; k < len; k += V) {
                VectorMask<Float> m = S.indexInRange(k, len);
                FloatVector go = FloatVector.fromArray(S, gout, off + k, m);
                if (a.z() == null) {
                    go.intoArray(gy, k);
                    continue;
                }
                FloatVector z = FloatVector.fromArray(S, a.z(), off + k, m), sig = ScanMathSimd.sigmoid(z);
                FloatVector y0 = FloatVector.fromArray(S, u, k).fma(FloatVector.broadcast(S, skip), FloatVector.fromArray(S, y, k));
                FloatVector dSilu = z.mul(sig.neg().add(1f)).add(1f).mul(sig);        // d(z sigmoid z)/dz
                go.mul(y0).mul(dSilu).intoArray(dz, off + k, m);
                go.mul(z).mul(sig).intoArray(gy, k);
            }
        }

        /**
         * The adjoint of state n backwards through the span, one vector of positions at a time:
         * g_i = gy_i·C_i + a_{i+1}·g_{i+1} as a suffix scan whose last lane takes the carry from the
         * later vector. Then dC += gy·h, dB += g·dt·u, dA += dt·g·a·h[l-1], and the per-position
         * sums Σ g·B and Σ A·g·a·h[l-1] for du and ddelta.
         */
        private void adjointRow(int n, int len, float A, int bcOff, int sliceOff, float[] dB, float[] dC) {
            int row = n * this.row;
            float g1 = carry[n];
            FloatVector dALane = FloatVector.fromArray(S, dALanes, n * V);
            for (int k = Math.ceilDiv(len, V) * V - V; k >= 0; k -= V) {
                VectorMask<Float> m = S.indexInRange(k, len);
                int bcn = bcOff + k;
                FloatVector gyv = FloatVector.fromArray(S, gy, k), dtv = FloatVector.fromArray(S, dt, k);
                FloatVector c = gyv.mul(FloatVector.fromArray(S, a.Cm(), bcn, m));
                FloatVector next = FloatVector.fromArray(S, decay, row + k + 1).withLane(V - 1, 1f);   // a_{i+1}
                for (int st = 0; st < STEPS; st++) {
                    c = next.fma(LaneShiftSimd.downZero(c, st), c);
                    next = LaneShiftSimd.mulDown(next, st);
                }
                FloatVector g = next.fma(FloatVector.broadcast(S, g1), c);
                FloatVector decayed = FloatVector.fromArray(S, decay, row + k);
                g1 = decayed.lane(0) * g.lane(0);                                     // a_l·g_l for l − 1
                FloatVector q = g.mul(decayed).mul(FloatVector.fromArray(S, states, row + k));   // g·a·h[l-1]
                gyv.fma(FloatVector.fromArray(S, states, row + k + 1), FloatVector.fromArray(S, dC, sliceOff + bcn, m))
                        .intoArray(dC, sliceOff + bcn, m);                                    // dC += gy·h
                g.fma(dtv.mul(FloatVector.fromArray(S, u, k)), FloatVector.fromArray(S, dB, sliceOff + bcn, m))
                        .intoArray(dB, sliceOff + bcn, m);                                    // dB += g·dt·u
                g.fma(FloatVector.fromArray(S, a.Bm(), bcn, m), FloatVector.fromArray(S, sumGB, k)).intoArray(sumGB, k);
                q.fma(FloatVector.broadcast(S, A), FloatVector.fromArray(S, sumGAH, k)).intoArray(sumGAH, k);
                dALane = q.fma(dtv, dALane);                                                  // dA += dt·q
            }
            carry[n] = g1;
            dALane.intoArray(dALanes, n * V);
        }

        /** du = dt·Σ g·B + Dskip·gy; ddelta = (u·Σ g·B + Σ A·g·a·h[l-1])·softplus'; the dDskip and ddelta_bias lanes. */
        private void finishChunk(int len, float skip, int off) {
            FloatVector skipSum = FloatVector.fromArray(S, sums, 0), biasSum = FloatVector.fromArray(S, sums, V);
            for (int k = 0; k < len; k += V) {
                VectorMask<Float> m = S.indexInRange(k, len);
                FloatVector gyv = FloatVector.fromArray(S, gy, k), uv = FloatVector.fromArray(S, u, k);
                FloatVector gb = FloatVector.fromArray(S, sumGB, k);
                FloatVector.fromArray(S, dt, k).fma(gb, gyv.mul(skip)).intoArray(du, off + k, m);
                FloatVector dd = uv.fma(gb, FloatVector.fromArray(S, sumGAH, k)).mul(FloatVector.fromArray(S, dSoftplus, k));
                dd.intoArray(ddelta, off + k, m);
                skipSum = gyv.fma(uv, skipSum);
                biasSum = biasSum.add(FloatVector.zero(S).blend(dd, m));
            }
            skipSum.intoArray(sums, 0);
            biasSum.intoArray(sums, V);
        }
    }
}
