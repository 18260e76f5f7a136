package dev.jmamba.ssm.conv;

import dev.jmamba.ssm.CpuArrays;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;

/**
 * {@link CausalConv1d} on the CPU with plain loops, computing in float64 whatever the dtype (results
 * are converted back to each input's dtype). The forward is multi-threaded over the (b, d) rows; the
 * backward over channels d, so each task owns dx rows (b, d) for all b as well as dweight[d] and
 * dbias[d], and no two tasks write the same element.
 */
public final class CpuCausalConvKernels implements CausalConvKernels {

    /** The shared instance (stateless). */
    public static final CpuCausalConvKernels INSTANCE = new CpuCausalConvKernels();

    /** Positions per task: about this many each. */
    private static final int ELEMENTS_PER_TASK = 1 << 13;

    private CpuCausalConvKernels() {}

    @Override public boolean supports(Device device) { return device instanceof Device.Cpu; }

    @Override public Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu) {
        int[] s = x.shape();
        int b = s[0], d = s[1], l = s[2], k = weight.size(2);
        double[] xv = CpuArrays.doubles(x), wv = CpuArrays.doubles(weight), bv = CpuArrays.doubles(bias);
        double[] y = new double[b * d * l];                                                   // (B, D, L)
        Parallel.forBlocks(b * d, Math.max(1, ELEMENTS_PER_TASK / Math.max(1, l)), (start, end) -> {
            double[] pre = new double[l];                                                     // (L) one row
            for (int row = start; row < end; row++) {
                int ch = row % d, base = row * l;
                preActivation(xv, base, wv, ch * k, k, bv == null ? 0 : bv[ch], l, pre);
                for (int i = 0; i < l; i++) y[base + i] = silu ? silu(pre[i]) : pre[i];
            }
        });
        return CpuArrays.tensor(y, x.dtype(), s);
    }

    @Override public Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut) {
        int[] s = x.shape();
        int b = s[0], d = s[1], l = s[2], k = weight.size(2);
        double[] xv = CpuArrays.doubles(x), wv = CpuArrays.doubles(weight), bv = CpuArrays.doubles(bias);
        double[] gy = CpuArrays.doubles(gradOut);
        double[] dx = new double[b * d * l], dw = new double[d * k], db = new double[d];   // (B, D, L), (D, K), (D)
        Parallel.forBlocks(d, Math.max(1, ELEMENTS_PER_TASK / Math.max(1, b * l)), (start, end) -> {
            double[] gs = new double[l];                                                      // (L) gradient of the pre-activation
            for (int ch = start; ch < end; ch++) {
                int w0 = ch * k;
                for (int bi = 0; bi < b; bi++) {
                    int base = (bi * d + ch) * l;
                    if (silu) {
                        preActivation(xv, base, wv, w0, k, bv == null ? 0 : bv[ch], l, gs);
                        for (int i = 0; i < l; i++) gs[i] = gy[base + i] * siluDerivative(gs[i]);
                    } else {
                        System.arraycopy(gy, base, gs, 0, l);
                    }
                    for (int i = 0; i < l; i++) db[ch] += gs[i];
                    for (int j = 0; j < k; j++) {                       // dw[j] = Σ_i gs[i] · x[i − K + 1 + j]
                        double acc = 0;
                        for (int i = Math.max(0, k - 1 - j); i < l; i++) acc += gs[i] * xv[base + i - k + 1 + j];
                        dw[w0 + j] += acc;
                    }
                    for (int i = 0; i < l; i++) {                       // dx[i] = Σ_j w[j] · gs[i + K − 1 − j]
                        double acc = 0;
                        for (int j = 0; j < k; j++) {
                            int out = i + k - 1 - j;
                            if (out < l) acc += wv[w0 + j] * gs[out];
                        }
                        dx[base + i] = acc;
                    }
                }
            }
        });
        return new Tensor[] {
            CpuArrays.tensor(dx, x.dtype(), s),
            CpuArrays.tensor(dw, weight.dtype(), weight.shape()),
            bias == null ? null : CpuArrays.tensor(db, bias.dtype(), d),
        };
    }

    /** pre[i] = bias + Σ_j w[w0 + j] · x[base + i − K + 1 + j] over the j with i − K + 1 + j >= 0. */
    private static void preActivation(double[] x, int base, double[] w, int w0, int k, double bias, int l, double[] pre) {
        for (int i = 0; i < l; i++) {
            double acc = bias;
            for (int j = Math.max(0, k - 1 - i); j < k; j++) acc += w[w0 + j] * x[base + i - k + 1 + j];
            pre[i] = acc;
        }
    }

    static double silu(double v) { return v / (1 + Math.exp(-v)); }

    /** d silu / dv = σ(v) · (1 + v · (1 − σ(v))). */
    static double siluDerivative(double v) {
        double sig = 1 / (1 + Math.exp(-v));
        return sig * (1 + v * (1 - sig));
    }
}
