package dev.jmamba.ssm;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.ChannelLayerNorm;
import dev.jmamba.ssm.cuda.HiddenNormScanCuda;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The grouped selective scan with d_state 1 read out through a layer norm of its hidden state (GrootV's
 * {@code h_norm}, FractalMamba's mixers), per batch b, group g and position l:
 * <pre>
 *   h   = scan(u, delta, A, B, C = 1, no D, deltaBias, softplus)                 (B, G·di, L): the hidden state itself
 *   y_l = LayerNorm_over_di(h_l)·gamma + beta) · C_l + Dskip · u_l               per (b, g, l) column of di channels
 * </pre>
 * That composition ({@link SelectiveScan#scan} then {@link ChannelLayerNorm}'s skip form) is what this computes on the
 * CPU and wherever the fused kernel does not apply; on CUDA with float32 tensors and groups of a multiple of 32
 * channels (at most 1024) one kernel pair does both ({@code scan_hidden_norm.cu}): h never goes through memory, and
 * the norm's gradient feeds the scan's adjoint directly. On by default (FractalMamba-T fp32 b128 step 229.0 →
 * 214.6 ms on an H100, issue 14); {@code -Djmamba.scan.fusedHiddenNorm=false} keeps the composition (docs/SETTINGS.md).
 */
public final class HiddenNormScan {
    /** {@code jmamba.scan.fusedHiddenNorm}: whether CUDA calls take the fused kernels (tests switch the field). */
    static volatile boolean fused = !"false".equals(System.getProperty("jmamba.scan.fusedHiddenNorm"));
    /**
     * {@code jmamba.scan.fusedHiddenNorm.maxLength}: the fused kernels only for sequences of at most this many positions
     * (default: any). Their parallelism is one block per (batch, group); fusing only L ≤ 784 (FractalMamba-T's stage 1,
     * L = 3136, unfused) was measured slower than fusing every stage (220.2 vs 214.6 ms, H100), so the default is any.
     */
    static volatile int fusedMaxLength = Integer.getInteger("jmamba.scan.fusedHiddenNorm.maxLength", Integer.MAX_VALUE);
    /**
     * {@code jmamba.scan.fusedHiddenNorm.maxChannels}: the fused kernels only for groups of at most this many channels
     * (default: any). Their wide groups run one block of di threads per (batch, group), at 640 channels one block per
     * SM with register spills; the composition (the channel-parallel scan, then the norm) is the alternative.
     */
    static volatile int fusedMaxChannels = Integer.getInteger("jmamba.scan.fusedHiddenNorm.maxChannels", Integer.MAX_VALUE);
    /** Calls that took the fused kernels (the GPU test checks that its fused runs did). */
    static final AtomicLong FUSED_CALLS = new AtomicLong();

    private HiddenNormScan() {}

    /**
     * @param u         (B, G·di, L) scanned inputs
     * @param delta     (B, G·di, L) step sizes before bias and softplus
     * @param a         (G·di, 1) A
     * @param bs        (B, G, 1, L) B
     * @param cs        (B, G, 1, L) C, the read-out's scale
     * @param dSkip     (G·di) D
     * @param deltaBias (G·di)
     * @param gamma     (di) the norm's weight, or null
     * @param beta      (di) the norm's bias, or null
     * @return y (B, G·di, L)
     */
    public static Var apply(Var u, Var delta, Var a, Var bs, Var cs, Var dSkip, Var deltaBias, Var gamma, Var beta, double eps) {
        int b = u.rank() == 3 ? u.size(0) : -1, d = u.rank() == 3 ? u.size(1) : -1, l = u.rank() == 3 ? u.size(2) : -1;
        int g = bs.rank() == 4 ? bs.size(1) : -1;
        if (b < 0 || g <= 0 || d % g != 0 || !Arrays.equals(bs.shape(), new int[] {b, g, 1, l})
                || !Arrays.equals(cs.shape(), bs.shape()) || !Arrays.equals(delta.shape(), u.shape())
                || !Arrays.equals(a.shape(), new int[] {d, 1}) || dSkip.value().numel() != d || deltaBias.value().numel() != d
                || (gamma != null && gamma.value().numel() != d / g) || (beta != null && beta.value().numel() != d / g)) {
            throw new JmambaException("hidden-norm scan: expected u, delta (B, G·di, L), A (G·di, 1), B and C (B, G, 1, L), D and"
                    + " deltaBias (G·di), gamma and beta (di); got u " + Arrays.toString(u.shape()) + ", delta "
                    + Arrays.toString(delta.shape()) + ", A " + Arrays.toString(a.shape()) + ", B " + Arrays.toString(bs.shape())
                    + ", C " + Arrays.toString(cs.shape()) + ", D " + Arrays.toString(dSkip.shape()) + ", deltaBias "
                    + Arrays.toString(deltaBias.shape()) + (gamma == null ? "" : ", gamma " + Arrays.toString(gamma.shape()))
                    + (beta == null ? "" : ", beta " + Arrays.toString(beta.shape())));
        }
        int di = d / g;
        boolean allF32 = u.dtype() == DType.F32 && delta.dtype() == DType.F32 && bs.dtype() == DType.F32 && cs.dtype() == DType.F32;
        if (fused && allF32 && l <= fusedMaxLength && di <= fusedMaxChannels && HiddenNormScanCuda.takes(u.device(), u.dtype(), di)) {
            FUSED_CALLS.incrementAndGet();
            return CustomOps.apply(new HiddenNormScanFused(eps), u, delta, a, bs, cs, dSkip, deltaBias, gamma, beta)[0];
        }
        Var ones = Var.of(Tensor.full(1, cs.dtype(), cs.device(), cs.shape()));
        Var hidden = SelectiveScan.scan(u, delta, a, bs, ones, null, null, deltaBias, true);     // (B, G·di, L)
        return ChannelLayerNorm.apply(hidden.reshape(b * g, di, l), gamma, beta, cs.reshape(b * g, l), u.reshape(b * g, di, l),
                dSkip.reshape(g, di), eps).reshape(b, d, l);
    }

    /** The CUDA kernels as one autograd node (float32 inputs, checked by {@link #apply}; named so in profiles). */
    private record HiddenNormScanFused(double eps) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor u = in[0].contiguous(), delta = in[1].contiguous(), bs = rows(in[3]), cs = rows(in[4]);
            Tensor a = f32(in[2]), dSkip = f32(in[5]), bias = f32(in[6]), gamma = f32(in[7]), beta = f32(in[8]);
            int[][] shapes = new int[in.length][];
            for (int i = 0; i < in.length; i++) shapes[i] = in[i] == null ? null : in[i].shape();
            ctx.put("shapes", shapes);
            Tensor[] out = HiddenNormScanCuda.forward(u, delta, a, bs, cs, dSkip, bias, gamma, beta, eps);
            ctx.save(u, delta, a, bs, cs, dSkip, bias, gamma, beta, out[1], out[2], out[3]);
            return new Tensor[] {out[0]};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) {
            Tensor[] s = ctx.saved();
            int b = s[0].size(0), d = s[0].size(1), l = s[0].size(2), g = s[3].size(1);
            Tensor[] gr = HiddenNormScanCuda.backward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11],
                    gy[0].to(DType.F32).contiguous());
            // each gradient in its input's shape (D, deltaBias, gamma, beta may come as (G, di) or (1, di) views)
            int[][] shapes = ctx.get("shapes");
            Tensor[] grads = {gr[0], gr[1], gr[2].reshape(d, 1), gr[5].reshape(b, g, 1, l), gr[6].reshape(b, g, 1, l),
                    gr[3].reshape(shapes[5]), gr[4].reshape(shapes[6]), s[7] == null ? null : gr[7].reshape(shapes[7]),
                    s[8] == null ? null : gr[8].reshape(shapes[8])};
            for (int i = 0; i < grads.length; i++) if (!ctx.needsInputGrad(i)) grads[i] = null;
            return grads;
        }

        /** (B, G, 1, L) as rows with contiguous positions (x_proj's output views are: no copy). */
        private static Tensor rows(Tensor t) {
            Tensor r = t.to(DType.F32);
            return r.strides()[3] == 1 || r.size(3) == 1 ? r : r.contiguous();
        }

        private static Tensor f32(Tensor t) { return t == null ? null : t.to(DType.F32).contiguous(); }
    }
}
