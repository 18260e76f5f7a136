package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.VectorMathSimd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.jmamba.ssm.kernel.ScanBlocksSimd.W;
import static dev.jmamba.ssm.kernel.SelectiveScanCpu.CHUNK;

/**
 * The backward of {@link ScanBlocksSimd}, SIMD across the W channels of a block (spec §3, §4).
 * Chunks run last to first; each chunk recomputes its states from the saved boundary state (one
 * exp per (b, d, l, n), kept for the adjoint) and then runs the adjoint backwards through it.
 *
 * <p>dB[n, l] and dC[n, l] sum over all channels of a group, i.e. over lanes and over blocks. A
 * task owns (b, g, slice of the group's blocks) and adds the lanes' terms into (K, N, W) partial
 * sums across its blocks; after each chunk every (l, n) is reduced over lanes once, so a
 * horizontal sum happens once per (b, g, slice, l, n) rather than per channel. The chunk loop is
 * outside the block loop for that, so each block's adjoint carry and dA live in per-task arrays.
 * dA, dDskip and ddelta_bias are per lane, written per (b, d) and summed over b in a fixed order.
 */
final class ScanBlocksBackwardSimd {

    private static final VectorSpecies<Float> S = ScanBlocksSimd.S;

    private ScanBlocksBackwardSimd() {}

    static ScanGrads backward(ScanArgs a, float[] chunkStates, float[] gout) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), N = s.state(), G = s.groups();
        int blocks = ScanBlocksSimd.blocksPerGroup(s);
        int blocksPerSlice = Math.ceilDiv(blocks, Math.min(blocks, Math.ceilDiv(2 * Parallel.threads(), B * G)));
        int slices = Math.ceilDiv(blocks, blocksPerSlice);
        float[] dB = new float[slices * s.groupedSize()];           // (slices, B, G, N, L)
        float[] dC = new float[slices * s.groupedSize()];           // (slices, B, G, N, L)
        float[] du = new float[s.sequenceSize()];                   // (B, D, L)
        float[] ddelta = new float[s.sequenceSize()];               // (B, D, L)
        float[] dz = a.z() == null ? null : new float[s.sequenceSize()];  // (B, D, L)
        float[] dAPerBatch = new float[B * D * N];                  // (B, D, N)
        double[] dSkipPerBatch = new double[B * D];                 // (B, D)
        double[] dBiasPerBatch = new double[B * D];                 // (B, D)
        Parallel.forBlocks(B * G * slices, 1, (start, end) -> {
            ScanBlockWorkspace ws = new ScanBlockWorkspace(CHUNK, N, W);
            for (int task = start; task < end; task++) {
                int b = task / (G * slices), g = task / slices % G, slice = task % slices;
                int first = slice * blocksPerSlice, last = Math.min(blocks, first + blocksPerSlice);
                Slice t = new Slice(a, b, g, first, last, ws);
                t.run(chunkStates, gout, slice * s.groupedSize(), dB, dC, du, ddelta, dz);
                t.finish(dAPerBatch, dSkipPerBatch, dBiasPerBatch);
            }
        });
        return SelectiveScanCpu.grads(a, du, ddelta, dAPerBatch, dSkipPerBatch, dBiasPerBatch,
                sumSlices(dB, slices), sumSlices(dC, slices), dz);
    }

    /** (slices, X) summed to (X); one slice is returned as is. */
    private static float[] sumSlices(float[] sliced, int slices) {
        if (slices == 1) return sliced;
        int size = sliced.length / slices;
        float[] sum = Arrays.copyOf(sliced, size);
        for (int slice = 1; slice < slices; slice++)
            for (int i = 0; i < size; i++) sum[i] += sliced[slice * size + i];
        return sum;
    }

    /** One task: blocks first..last − 1 of group g in batch row b, with their running adjoint state. */
    private static final class Slice {
        final ScanArgs a;
        final ScanShape s;
        final int b, g, first, blockCount, N, L, chunks;
        final ScanBlockWorkspace ws;
        /** (blocks, N, W) adjoint carry a[l+1]·g[l+1] and dA per block. */
        final float[] carry, dA;
        /** (blocks, W) Σ gy·u and Σ ddelta per lane. */
        final double[] sumSkip, sumBias;

        Slice(ScanArgs a, int b, int g, int first, int last, ScanBlockWorkspace ws) {
            this.a = a; this.s = a.shape(); this.b = b; this.g = g; this.first = first; this.ws = ws;
            blockCount = last - first; N = s.state(); L = s.length(); chunks = s.chunks(CHUNK);
            carry = new float[blockCount * N * W];
            dA = new float[blockCount * N * W];
            sumSkip = new double[blockCount * W];
            sumBias = new double[blockCount * W];
        }

        int firstChannel(int block) { return g * s.channelsPerGroup() + (first + block) * W; }

        int count(int block) { return Math.min(W, s.channelsPerGroup() - (first + block) * W); }

        void run(float[] chunkStates, float[] gout, int sliceOff, float[] dB, float[] dC,
                 float[] du, float[] ddelta, float[] dz) {
            int bc = (b * s.groups() + g) * N * L;                  // (b, g, 0, 0) in (B, G, N, L)
            for (int c = chunks - 1; c >= 0; c--) {
                int l0 = c * CHUNK, len = Math.min(CHUNK, L - l0);
                Arrays.fill(ws.dBLanes, 0, len * N * W, 0f);
                Arrays.fill(ws.dCLanes, 0, len * N * W, 0f);
                for (int block = 0; block < blockCount; block++) {
                    int d0 = firstChannel(block), count = count(block), row = (b * s.channels() + d0) * L + l0;
                    ScanTiles.loadColumns(a.A(), d0 * N, N, N, count, W, ws.aT);
                    ScanTiles.loadLanes(a.deltaBias(), d0, count, 0f, ws.bias);
                    ScanTiles.loadLanes(a.dSkip(), d0, count, 0f, ws.skip);
                    ScanTiles.load(a.delta(), row, L, len, count, W, ws.delta);
                    ScanTiles.load(a.u(), row, L, len, count, W, ws.u);
                    ScanTiles.load(gout, row, L, len, count, W, ws.gout);
                    if (a.z() != null) ScanTiles.load(a.z(), row, L, len, count, W, ws.z);
                    if (c == 0) Arrays.fill(ws.states, 0, N * W, 0f);
                    else ScanTiles.load(chunkStates, (b * s.channels() + d0) * chunks * N + (c - 1) * N, chunks * N,
                            N, count, W, ws.states);                 // row 0: the state entering the chunk
                    System.arraycopy(ws.states, 0, ws.h, 0, N * W);
                    ScanBlocksSimd.stepSizes(ws, len, a.deltaSoftplus(), true);
                    ScanBlocksSimd.recurrence(ws, len, N, a.Bm(), a.Cm(), bc + l0, L, ws.h, ws.decay, ws.states, ws.out);
                    gate(len, a.z() != null);
                    adjoint(len, bc + l0, block);
                    ScanTiles.store(ws.du, len, count, W, du, row, L);
                    ScanTiles.store(ws.ddelta, len, count, W, ddelta, row, L);
                    if (dz != null) ScanTiles.store(ws.dz, len, count, W, dz, row, L);
                }
                for (int n = 0; n < N; n++)                          // Σ over lanes, once per (l, n)
                    for (int k = 0; k < len; k++) {
                        int i = sliceOff + bc + n * L + l0 + k, lane = (k * N + n) * W;
                        dB[i] = VectorMathSimd.sumLanes(FloatVector.fromArray(S, ws.dBLanes, lane));
                        dC[i] = VectorMathSimd.sumLanes(FloatVector.fromArray(S, ws.dCLanes, lane));
                    }
            }
        }

        /** ws.gy = gradient into y0 (and ws.dz) from ws.gout, with y0 = y + Dskip·u and y in ws.out. */
        private void gate(int len, boolean hasZ) {
            FloatVector skip = FloatVector.fromArray(S, ws.skip, 0);
            for (int k = 0; k < len * W; k += W) {
                FloatVector go = FloatVector.fromArray(S, ws.gout, k);
                if (!hasZ) {
                    go.intoArray(ws.gy, k);
                    continue;
                }
                FloatVector z = FloatVector.fromArray(S, ws.z, k), sig = ScanMathSimd.sigmoid(z);
                FloatVector y0 = FloatVector.fromArray(S, ws.u, k).fma(skip, FloatVector.fromArray(S, ws.out, k));
                FloatVector dSilu = z.mul(sig.neg().add(1f)).add(1f).mul(sig);     // d(z sigmoid z)/dz
                go.mul(y0).mul(dSilu).intoArray(ws.dz, k);
                go.mul(z).mul(sig).intoArray(ws.gy, k);
            }
        }

        /**
         * The adjoint backwards through the chunk: g = gy·C + carry; dC += gy·h; dB += g·dt·u;
         * dA += dt·g·a·h[l-1]; carry = a·g; du = dt·Σ g·B + Dskip·gy;
         * ddelta = (u·Σ g·B + Σ A·g·a·h[l-1]) · softplus'.
         */
        private void adjoint(int len, int bc, int block) {
            int NW = N * W, off = block * NW;
            float[] Bm = a.Bm(), Cm = a.Cm(), decay = ws.decay, states = ws.states, aT = ws.aT;
            FloatVector skip = FloatVector.fromArray(S, ws.skip, 0);
            FloatVector skipSum = FloatVector.zero(S), biasSum = FloatVector.zero(S);
            for (int k = len - 1; k >= 0; k--) {
                int kw = k * W;
                FloatVector gy = FloatVector.fromArray(S, ws.gy, kw), dt = FloatVector.fromArray(S, ws.dt, kw);
                FloatVector u = FloatVector.fromArray(S, ws.u, kw), dtu = dt.mul(u);
                FloatVector sumGB = FloatVector.zero(S), sumGAH = FloatVector.zero(S);
                for (int n = 0, i = 0; n < N; n++, i += W) {
                    int ki = k * NW + i;
                    FloatVector g = gy.fma(FloatVector.broadcast(S, Cm[bc + n * L + k]), FloatVector.fromArray(S, carry, off + i));
                    FloatVector decayed = FloatVector.fromArray(S, decay, ki);
                    FloatVector q = g.mul(decayed).mul(FloatVector.fromArray(S, states, ki));   // g·a·h[l-1]
                    gy.fma(FloatVector.fromArray(S, states, ki + NW), FloatVector.fromArray(S, ws.dCLanes, ki))
                            .intoArray(ws.dCLanes, ki);                                      // dC += gy·h
                    g.fma(dtu, FloatVector.fromArray(S, ws.dBLanes, ki)).intoArray(ws.dBLanes, ki);  // dB += g·dt·u
                    sumGB = g.fma(FloatVector.broadcast(S, Bm[bc + n * L + k]), sumGB);
                    sumGAH = q.fma(FloatVector.fromArray(S, aT, i), sumGAH);
                    q.fma(dt, FloatVector.fromArray(S, dA, off + i)).intoArray(dA, off + i);  // dA += dt·q
                    decayed.mul(g).intoArray(carry, off + i);
                }
                dt.fma(sumGB, skip.mul(gy)).intoArray(ws.du, kw);
                FloatVector dd = u.fma(sumGB, sumGAH).mul(FloatVector.fromArray(S, ws.dSoftplus, kw));
                dd.intoArray(ws.ddelta, kw);
                skipSum = gy.fma(u, skipSum);
                biasSum = biasSum.add(dd);
            }
            for (int j = 0; j < W; j++) {
                sumSkip[block * W + j] += skipSum.lane(j);
                sumBias[block * W + j] += biasSum.lane(j);
            }
        }

        /** Writes each channel's dA row and its Σ gy·u, Σ ddelta into the per-batch arrays. */
        void finish(float[] dAPerBatch, double[] dSkipPerBatch, double[] dBiasPerBatch) {
            for (int block = 0; block < blockCount; block++) {
                int bd0 = b * s.channels() + firstChannel(block), count = count(block);
                for (int j = 0; j < count; j++)
                    for (int n = 0; n < N; n++) dAPerBatch[(bd0 + j) * N + n] = dA[(block * N + n) * W + j];
                for (int j = 0; j < count; j++) {
                    dSkipPerBatch[bd0 + j] = sumSkip[block * W + j];
                    dBiasPerBatch[bd0 + j] = sumBias[block * W + j];
                }
            }
        }
    }
}
