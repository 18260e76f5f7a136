package dev.jmamba.ssm.conv;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;


/**
 * The kernels of {@link CausalConv1d} for one kind of device. {@link CpuCausalConvKernels} ships here;
 * a GPU module registers its own in {@code META-INF/services/dev.jmamba.ssm.conv.CausalConvKernels}.
 * All tensors are (B, D, L) inputs/outputs, weight (D, 1, K), bias (D) or null; shapes are checked by
 * {@link CausalConv1d} before the kernels are called.
 */
public interface CausalConvKernels {

    /** Whether this implementation handles tensors on {@code device}. */
    boolean supports(Device device);

    /**
     * y[b, d, l] = act(bias[d] + Σ_k weight[d, 0, k] · x[b, d, l − K + 1 + k]), x = 0 left of l = 0,
     * act = SiLU when {@code silu}, else the identity.
     *
     * @param x      (B, D, L)
     * @param weight (D, 1, K)
     * @param bias   (D) or null
     * @return (B, D, L) in x's dtype
     */
    Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu);

    /**
     * Gradients of {@code sum(gradOut · y)} (the pre-activation is recomputed, not saved).
     *
     * @param gradOut (B, D, L)
     * @return dx (B, D, L), dweight (D, 1, K), dbias (D) or null when bias is null, each in its input's dtype
     */
    Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut);

    /**
     * With {@code reverse}, the conv of the L-flipped x, flipped back (an anti-causal conv:
     * y[l] = act(bias + Σ_k w[k]·x[l + K − 1 − k])). This default flips copies around {@link #forward}.
     */
    default Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu, boolean reverse) {
        return reverse ? forward(x.flip(2), weight, bias, silu).flip(2) : forward(x, weight, bias, silu);
    }

    /** The backward of {@link #forward(Tensor, Tensor, Tensor, boolean, boolean)}; this default flips copies. */
    default Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut, boolean reverse) {
        if (!reverse) return backward(x, weight, bias, silu, gradOut);
        Tensor[] g = backward(x.flip(2), weight, bias, silu, gradOut.flip(2));
        g[0] = g[0].flip(2);
        return g;
    }

    /** The implementation for {@code device}: the CPU one, else the first registered one that supports it. */
    static CausalConvKernels forDevice(Device device) {
        return dev.jmamba.ssm.DeviceSlot.find(CausalConvKernels.class, CpuCausalConvKernels.INSTANCE, CausalConvKernels::supports, device, "causal conv1d");
    }
}
