package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.JmambaException;

import java.util.Arrays;

/**
 * 2-D convolution (N, C, H, W) → (N, O, H', W') with square kernel, stride, padding and dilation;
 * weight (O, C/groups, k, k), bias (O) or none; PyTorch {@code nn.Conv2d} default init
 * U(±1/sqrt(C/groups·k²)). Patch embeddings are {@code Conv2d(3, D, p, stride p, padding 0)}.
 */
public final class Conv2d extends Layer {
    private final int inChannels;
    private final ConvParams params;
    private final Parameter weight; // (O, C/groups, k, k)
    private final Parameter bias;   // (O) or null

    /** Weight and bias use streams 0 and 1 of {@code seed}. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias, long seed) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new JmambaException("Conv2d: need positive sizes with channels divisible by groups, got in "
                    + inChannels + ", out " + outChannels + ", kernel " + kernel + ", groups " + groups);
        }
        this.inChannels = inChannels;
        this.params = ConvParams.of(stride, padding, dilation, groups);
        int fanIn = inChannels / groups * kernel * kernel;
        this.weight = param("weight", Init.torchDefaultWeight(Seeds.derive(seed, 0), outChannels, inChannels / groups, kernel, kernel));
        this.bias = bias ? param("bias", Init.torchDefaultBias(Seeds.derive(seed, 1), fanIn, outChannels)) : null;
    }

    public Parameter weight() { return weight; }

    /** The bias, or null when built without one. */
    public Parameter bias() { return bias; }

    /** x (N, C, H, W) → (N, O, H', W'). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(1) != inChannels) {
            throw new JmambaException("Conv2d: expected input (N, " + inChannels + ", H, W), got " + Arrays.toString(x.shape()));
        }
        return x.conv2d(weight.var(), bias == null ? null : bias.var(), params);
    }

    /**
     * {@code silu(forward(x))}; a depthwise conv (groups = in = out channels) runs as one fused node
     * ({@link DepthwiseConvSilu}: no bias/SiLU passes, the pre-activation recomputed in backward instead of saved).
     */
    public Var forwardSilu(Var x) {
        boolean depthwise = params.groups() == inChannels && weight.shape()[0] == inChannels;
        if (!depthwise || x.rank() != 4 || x.size(1) != inChannels) return forward(x).silu();
        return DepthwiseConvSilu.apply(x, weight.var(), bias == null ? null : bias.var(), params);
    }
}
