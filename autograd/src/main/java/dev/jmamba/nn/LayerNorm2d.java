package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

import java.util.Arrays;

/**
 * Layer normalisation over the channels of a channels-first map (N, C, H, W) → (N, C, H, W), the same as
 * permuting to (N, H, W, C), normalising the last dim as {@link LayerNorm} and permuting back. A map stored
 * channels-first runs through the fused channels-first kernel ({@link ChannelLayerNorm}, no permute copies); a
 * channels-last map viewed as (N, C, H, W) through the row kernel on its channels-last storage. Parameter
 * names ({@code weight}, {@code bias}) match VMamba's {@code LayerNorm2d}.
 */
public final class LayerNorm2d extends Layer {
    private final int channels;
    private final double eps;
    private final Parameter weight; // (C)
    private final Parameter bias;   // (C)

    /** Affine, eps 1e-6 (VMamba's default for its 2-D norm). */
    public LayerNorm2d(int channels) { this(channels, 1e-6); }

    public LayerNorm2d(int channels, double eps) {
        if (channels < 1 || !(eps > 0)) throw new JmambaException("LayerNorm2d: need channels >= 1 and eps > 0, got " + channels + ", " + eps);
        this.channels = channels;
        this.eps = eps;
        this.weight = param("weight", Init.constant(1, channels)).noWeightDecay(true);
        this.bias = param("bias", Init.constant(0, channels)).noWeightDecay(true);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    /** x (N, C, H, W) → (N, C, H, W). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(1) != channels) {
            throw new JmambaException("LayerNorm2d(" + channels + "): expected input (N, " + channels + ", H, W), got " + Arrays.toString(x.shape()));
        }
        int n = x.size(0), h = x.size(2), w = x.size(3);
        if (x.value().strides()[1] == 1 && channels > 1) {                      // channels-last storage
            Var channelsLast = x.permute(0, 2, 3, 1);                          // (N, H, W, C)
            Var normed = channelsLast.layerNorm(weight.var(), bias.var(), eps); // (N, H, W, C)
            return normed.permute(0, 3, 1, 2);                                  // (N, C, H, W)
        }
        Var rows = x.reshape(n, channels, h * w);                               // (N, C, H·W)
        return ChannelLayerNorm.apply(rows, weight.var(), bias.var(), null, eps).reshape(n, channels, h, w);
    }
}
