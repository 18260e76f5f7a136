package dev.jmamba.ssm.conv;

import dev.jmamba.ssm.CpuArrays;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.SimdSupport;

/**
 * {@link CausalConv1d} on the CPU: float32 tensors run {@link CausalConvSimd} when the Vector API is
 * present; otherwise plain loops in float64 over one (L) row at a time (F32 rows are widened on load
 * and rounded on store; results come back in each input's dtype), the reverse direction through flipped
 * copies. The forward is
 * multi-threaded over the (b, d) rows; the backward over channels d, so each task owns the dx rows
 * (b, d) for every b as well as dweight[d] and dbias[d], and no two tasks write the same element.
 */
public final class CpuCausalConvKernels implements CausalConvKernels {

    /** The shared instance (stateless). */
    public static final CpuCausalConvKernels INSTANCE = new CpuCausalConvKernels();

    /** Positions per task: about this many each. */
    private static final int ELEMENTS_PER_TASK = 1 << 13;

    private CpuCausalConvKernels() {}

    @Override public boolean supports(Device device) { return device instanceof Device.Cpu; }

    /** Float32 tensors with the Vector API present go to {@link CausalConvSimd} (both directions, no flips). */
    private static boolean simd(Tensor x, Tensor weight, Tensor bias, Tensor gradOut) {
        return SimdSupport.ENABLED && x.dtype() == DType.F32 && weight.dtype() == DType.F32
                && (bias == null || bias.dtype() == DType.F32) && (gradOut == null || gradOut.dtype() == DType.F32);
    }

    @Override public Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu, boolean reverse) {
        if (simd(x, weight, bias, null)) return CausalConvSimd.forward(x, weight, bias, silu, reverse);
        return CausalConvKernels.super.forward(x, weight, bias, silu, reverse);
    }

    @Override public Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut, boolean reverse) {
        if (simd(x, weight, bias, gradOut)) return CausalConvSimd.backward(x, weight, bias, silu, gradOut, reverse);
        return CausalConvKernels.super.backward(x, weight, bias, silu, gradOut, reverse);
    }

    /** The float64 loops (the reference the SIMD path is tested against; F64 and BF16 tensors, no Vector API). */
    @Override public Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu) {
        int[] s = x.shape();
        int b = s[0], d = s[1], l = s[2], k = weight.size(2);
        RowArrays xv = RowArrays.of(x), y = RowArrays.zeros(x.dtype(), b * d * l);       // (B, D, L)
        double[] wv = CpuArrays.doubles(weight), bv = CpuArrays.doubles(bias);          // (D, 1, K), (D) or null
        Parallel.forBlocks(b * d, Math.max(1, ELEMENTS_PER_TASK / Math.max(1, l)), (start, end) -> {
            double[] row = new double[l], pre = new double[l];                             // (L) each
            for (int r = start; r < end; r++) {
                int ch = r % d;
                xv.load(r * l, row, l);
                preActivation(row, wv, ch * k, k, bv == null ? 0 : bv[ch], l, pre);
                if (silu) for (int i = 0; i < l; i++) pre[i] = pre[i] / (1 + Math.exp(-pre[i]));
                y.store(r * l, pre, l);
            }
        });
        return y.tensor(x.dtype(), s);
    }

    @Override public Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut) {
        int[] s = x.shape();
        int b = s[0], d = s[1], l = s[2], k = weight.size(2);
        DType dxType = x.dtype() == DType.BF16 ? DType.F32 : x.dtype();                // a bf16 activation's gradient: float32
        RowArrays xv = RowArrays.of(x), gy = RowArrays.of(gradOut), dx = RowArrays.zeros(dxType, b * d * l);
        double[] wv = CpuArrays.doubles(weight), bv = CpuArrays.doubles(bias);          // (D, 1, K), (D) or null
        double[] dw = new double[d * k], db = new double[d];                             // (D, K), (D)
        Parallel.forBlocks(d, Math.max(1, ELEMENTS_PER_TASK / Math.max(1, b * l)), (start, end) -> {
            double[] row = new double[l], gs = new double[l], out = new double[l];        // (L) x, d(pre), dx
            for (int ch = start; ch < end; ch++) {
                int w0 = ch * k;
                for (int bi = 0; bi < b; bi++) {
                    int base = (bi * d + ch) * l;
                    xv.load(base, row, l);
                    gy.load(base, gs, l);
                    if (silu) {
                        preActivation(row, wv, w0, k, bv == null ? 0 : bv[ch], l, out);
                        for (int i = 0; i < l; i++) gs[i] *= siluDerivative(out[i]);
                    }
                    for (int i = 0; i < l; i++) db[ch] += gs[i];
                    for (int j = 0; j < k; j++) {                       // dw[j] = Σ_i gs[i] · x[i − K + 1 + j]
                        double acc = 0;
                        for (int i = Math.max(0, k - 1 - j); i < l; i++) acc += gs[i] * row[i - k + 1 + j];
                        dw[w0 + j] += acc;
                    }
                    for (int i = 0; i < l; i++) {                       // dx[i] = Σ_j w[j] · gs[i + K − 1 − j], i + K − 1 − j < L
                        double acc = 0;
                        for (int j = Math.max(0, i + k - l); j < k; j++) acc += wv[w0 + j] * gs[i + k - 1 - j];
                        out[i] = acc;
                    }
                    dx.store(base, out, l);
                }
            }
        });
        return new Tensor[] {
            dx.tensor(dxType, s),
            CpuArrays.tensor(dw, weight.dtype(), weight.shape()),
            bias == null ? null : CpuArrays.tensor(db, bias.dtype(), d),
        };
    }

    /** pre[i] = bias + Σ_j w[w0 + j] · x[i − K + 1 + j] over the j with i − K + 1 + j >= 0; x is one (L) row. */
    private static void preActivation(double[] x, double[] w, int w0, int k, double bias, int l, double[] pre) {
        for (int i = 0; i < l; i++) {
            double acc = bias;
            for (int j = Math.max(0, k - 1 - i); j < k; j++) acc += w[w0 + j] * x[i - k + 1 + j];
            pre[i] = acc;
        }
    }

    /** d silu / dv = σ(v) · (1 + v · (1 − σ(v))). */
    static double siluDerivative(double v) {
        double sig = 1 / (1 + Math.exp(-v));
        return sig * (1 + v * (1 - sig));
    }
}
