package dev.jmamba.ssm.conv;

import dev.jmamba.ssm.CpuArrays;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.VectorMathSimd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CausalConv1d} on float32 CPU tensors with the Vector API: each (L) row is copied into a
 * zero-padded scratch row so every tap is an unmasked vector load, the K taps are fused multiply-adds
 * over V positions at a time, and SiLU and its derivative use {@link VectorMathSimd}'s exp. Both
 * directions are native (the reverse conv is the causal one with the taps reversed and the padding on
 * the right), so no flipped copies. Accumulation: float32 for the K-term sums (as the composed conv),
 * per-row float32 vector sums added in float64 for dweight and dbias (B·L terms). Loaded only when
 * {@code SimdSupport.ENABLED}; {@link CpuCausalConvKernels} keeps the float64 loops for everything else.
 */
final class CausalConvSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Positions per parallel task: about this many each. */
    private static final int ELEMENTS_PER_TASK = 1 << 13;

    private CausalConvSimd() {}

    /** Taps in the order the padded row is read: w as is (causal) or reversed (anti-causal). */
    private static float[] taps(float[] w, int w0, int k, boolean reverse) {
        float[] t = new float[k];
        for (int j = 0; j < k; j++) t[j] = w[w0 + (reverse ? k - 1 - j : j)];
        return t;
    }

    /** Copies row x[off .. off+L) into xp at pad0 (K-1 causal, 0 reverse); the rest of xp stays zero. */
    private static void padRow(float[] x, int off, int l, float[] xp, int pad0) {
        System.arraycopy(x, off, xp, pad0, l);
    }

    /** pre[i] = bias + Σ_j t[j]·xp[i + j], i in [0, L). */
    private static void preActivation(float[] xp, float[] t, int k, float bias, int l, float[] pre) {
        int i = 0;
        for (; i + V <= l; i += V) {
            FloatVector acc = FloatVector.broadcast(S, bias);
            for (int j = 0; j < k; j++) acc = FloatVector.fromArray(S, xp, i + j).fma(FloatVector.broadcast(S, t[j]), acc);
            acc.intoArray(pre, i);
        }
        for (; i < l; i++) {
            float acc = bias;
            for (int j = 0; j < k; j++) acc = Math.fma(xp[i + j], t[j], acc);
            pre[i] = acc;
        }
    }

    static Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu, boolean reverse) {
        int[] s = x.shape();
        int b = s[0], d = s[1], l = s[2], k = weight.size(2);
        float[] xv = CpuArrays.floats(x), wv = CpuArrays.floats(weight), bv = CpuArrays.floats(bias); // (B, D, L), (D, 1, K), (D)
        float[] y = new float[b * d * l];                                                                // (B, D, L)
        int pad0 = reverse ? 0 : k - 1;
        Parallel.forBlocks(b * d, Math.max(1, ELEMENTS_PER_TASK / Math.max(1, l)), (start, end) -> {
            float[] xp = new float[l + k - 1 + V], pre = new float[l];
            for (int r = start; r < end; r++) {
                int ch = r % d;
                float[] t = taps(wv, ch * k, k, reverse);
                padRow(xv, r * l, l, xp, pad0);
                preActivation(xp, t, k, bv == null ? 0f : bv[ch], l, pre);
                int i = 0, off = r * l;
                if (silu) {
                    for (; i + V <= l; i += V) {
                        FloatVector p = FloatVector.fromArray(S, pre, i);
                        p.mul(VectorMathSimd.sigmoid(p)).intoArray(y, off + i);
                    }
                    for (; i < l; i++) y[off + i] = (float) (pre[i] / (1 + Math.exp(-pre[i])));
                } else {
                    System.arraycopy(pre, 0, y, off, l);
                }
            }
        });
        return Tensor.wrap(y, s);
    }

    static Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut, boolean reverse) {
        int[] s = x.shape();
        int b = s[0], d = s[1], l = s[2], k = weight.size(2);
        float[] xv = CpuArrays.floats(x), gy = CpuArrays.floats(gradOut), wv = CpuArrays.floats(weight), bv = CpuArrays.floats(bias);
        float[] dx = new float[b * d * l];                                   // (B, D, L)
        double[] dw = new double[d * k], db = new double[d];                 // (D, K), (D)
        int pad0 = reverse ? 0 : k - 1;
        Parallel.forBlocks(d, Math.max(1, ELEMENTS_PER_TASK / Math.max(1, b * l)), (start, end) -> {
            float[] xp = new float[l + k - 1 + V], pre = new float[l];
            float[] gp = new float[l + 2 * (k - 1) + V];                     // gs at K-1, zeros around
            double[] dwt = new double[k];
            for (int ch = start; ch < end; ch++) {
                float[] t = taps(wv, ch * k, k, reverse);
                float biasCh = bv == null ? 0f : bv[ch];
                Arrays.fill(dwt, 0);
                double dbCh = 0;
                for (int bi = 0; bi < b; bi++) {
                    int off = (bi * d + ch) * l;
                    padRow(xv, off, l, xp, pad0);
                    // gs = gy · act'(pre), written into gp at K-1
                    int i = 0;
                    if (silu) {
                        preActivation(xp, t, k, biasCh, l, pre);
                        for (; i + V <= l; i += V) {
                            FloatVector p = FloatVector.fromArray(S, pre, i), sig = VectorMathSimd.sigmoid(p);
                            FloatVector deriv = sig.mul(p.mul(sig.neg().add(1f)).add(1f));   // σ(v)·(1 + v·(1 − σ(v)))
                            FloatVector.fromArray(S, gy, off + i).mul(deriv).intoArray(gp, k - 1 + i);
                        }
                        for (; i < l; i++) {
                            double sig = 1 / (1 + Math.exp(-pre[i]));
                            gp[k - 1 + i] = (float) (gy[off + i] * (sig * (1 + pre[i] * (1 - sig))));
                        }
                    } else {
                        System.arraycopy(gy, off, gp, k - 1, l);
                    }
                    // dbias and dtaps: Σ_i gs[i], Σ_i gs[i]·xp[i + j] (float32 over the row, float64 across rows)
                    FloatVector sum = FloatVector.zero(S);
                    i = 0;
                    for (; i + V <= l; i += V) sum = sum.add(FloatVector.fromArray(S, gp, k - 1 + i));
                    float rowSum = VectorMathSimd.sumLanes(sum);
                    for (; i < l; i++) rowSum += gp[k - 1 + i];
                    dbCh += rowSum;
                    for (int j = 0; j < k; j++) {
                        FloatVector acc = FloatVector.zero(S);
                        i = 0;
                        for (; i + V <= l; i += V) acc = FloatVector.fromArray(S, gp, k - 1 + i).fma(FloatVector.fromArray(S, xp, i + j), acc);
                        float dot = VectorMathSimd.sumLanes(acc);
                        for (; i < l; i++) dot = Math.fma(gp[k - 1 + i], xp[i + j], dot);
                        dwt[j] += dot;
                    }
                    // dx[i] = Σ_j t[j]·gs[pad0 + i − j], gs zero outside [0, L)
                    i = 0;
                    for (; i + V <= l; i += V) {
                        FloatVector acc = FloatVector.zero(S);
                        for (int j = 0; j < k; j++) acc = FloatVector.fromArray(S, gp, k - 1 + pad0 + i - j).fma(FloatVector.broadcast(S, t[j]), acc);
                        acc.intoArray(dx, off + i);
                    }
                    for (; i < l; i++) {
                        float acc = 0f;
                        for (int j = 0; j < k; j++) acc = Math.fma(gp[k - 1 + pad0 + i - j], t[j], acc);
                        dx[off + i] = acc;
                    }
                }
                for (int j = 0; j < k; j++) dw[ch * k + (reverse ? k - 1 - j : j)] += dwt[j];
                db[ch] = dbCh;
            }
        });
        return new Tensor[] {
            Tensor.wrap(dx, s),
            CpuArrays.tensor(toFloats(dw), DType.F32, weight.shape()),
            bias == null ? null : CpuArrays.tensor(toFloats(db), DType.F32, d),
        };
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }
}
