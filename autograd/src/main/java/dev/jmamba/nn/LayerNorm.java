package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

import java.util.Arrays;

/**
 * Layer normalisation over the last dim: (..., C) → (..., C), y = (x − mean)/sqrt(var + eps)·w + b
 * (biased variance). Weight initialised to 1 and bias to 0, both (C) and flagged no-weight-decay.
 */
public final class LayerNorm extends Layer {
    private final int channels;
    private final double eps;
    private final Parameter weight; // (C) or null
    private final Parameter bias;   // (C) or null

    /** With affine weight and bias, eps 1e-5 (PyTorch's default). */
    public LayerNorm(int channels) { this(channels, 1e-5, true, true); }

    public LayerNorm(int channels, double eps, boolean affine, boolean bias) {
        if (channels < 1 || !(eps > 0)) throw new JmambaException("LayerNorm: need channels >= 1 and eps > 0, got " + channels + ", " + eps);
        this.channels = channels;
        this.eps = eps;
        this.weight = affine ? param("weight", Init.constant(1, channels)).noWeightDecay(true) : null;
        this.bias = affine && bias ? param("bias", Init.constant(0, channels)).noWeightDecay(true) : null;
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    /** The epsilon added to the variance. */
    public double eps() { return eps; }

    /**
     * This norm over dim 1 of a channels-first (N, C, M) tensor, times an optional (N, M) per-column scale
     * ({@link ChannelLayerNorm}: one fused node, no permute copies).
     */
    public Var forwardChannels(Var x, Var scale) {
        return ChannelLayerNorm.apply(x, weight == null ? null : weight.var(), bias == null ? null : bias.var(), scale, eps);
    }

    /**
     * {@code forwardChannels(x, scale)} plus {@code skipWeight[n mod G, c] · skip[n, c, m]} in the same node
     * ({@link ChannelLayerNorm}): x and skip (N, C, M), scale (N, M) or null, skipWeight (G, C) with G dividing N.
     */
    public Var forwardChannels(Var x, Var scale, Var skip, Var skipWeight) {
        return ChannelLayerNorm.apply(x, weight == null ? null : weight.var(), bias == null ? null : bias.var(), scale, skip,
                skipWeight, eps);
    }

    /** {@code forward(x) · silu(z)} as one fused node ({@link GatedLayerNorm}); z has x's shape. */
    public Var forwardGated(Var x, Var z) {
        return GatedLayerNorm.apply(x, weight == null ? null : weight.var(), bias == null ? null : bias.var(), z, eps);
    }

    /** x (..., C) → (..., C). */
    @Override public Var forward(Var x) {
        checkInput(x);
        return x.layerNorm(weight == null ? null : weight.var(), bias == null ? null : bias.var(), eps);
    }

    /**
     * x (..., C) → (..., C) for a caller whose only reader of the result is a Linear (a product): under autocast
     * with bf16 activations the result is bf16 and backward keeps a bf16 x̂ ({@link Var#layerNormForProducts});
     * otherwise {@link #forward}.
     */
    public Var forwardForProducts(Var x) {
        checkInput(x);
        return x.layerNormForProducts(weight == null ? null : weight.var(), bias == null ? null : bias.var(), eps);
    }

    private void checkInput(Var x) {
        if (x.rank() < 1 || x.size(-1) != channels) {
            throw new JmambaException("LayerNorm(" + channels + "): expected input (..., " + channels + "), got " + Arrays.toString(x.shape()));
        }
    }
}
