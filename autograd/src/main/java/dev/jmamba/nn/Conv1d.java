package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

import java.util.Arrays;

/**
 * 1-D convolution over (N, C, L) → (N, O, L'), weight (O, C/groups, k), bias (O) or none;
 * zero padding; PyTorch {@code nn.Conv1d} default init U(±1/sqrt(C/groups·k)).
 *
 * <p>{@link #causalDepthwise} builds Mamba's short convolution: one filter per channel
 * (groups = channels), left zero-padding of k−1 and output length L, so output l only sees inputs
 * l−k+1 … l. This equals PyTorch's {@code Conv1d(padding=k-1)} followed by {@code [..., :L]}.
 */
public final class Conv1d extends Layer {
    private final int inChannels, kernel, stride, padding, dilation, groups;
    private final boolean causal;
    private final Parameter weight; // (O, C/groups, k)
    private final Parameter bias;   // (O) or null

    /** A general Conv1d; weight and bias use streams 0 and 1 of {@code seed}. */
    public Conv1d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias, long seed) {
        this(inChannels, outChannels, kernel, stride, padding, dilation, groups, bias, false, seed);
    }

    private Conv1d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                   boolean bias, boolean causal, long seed) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || dilation < 1 || padding < 0 || groups < 1
                || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new JmambaException("Conv1d: need positive sizes with channels divisible by groups, got in "
                    + inChannels + ", out " + outChannels + ", kernel " + kernel + ", stride " + stride + ", padding "
                    + padding + ", dilation " + dilation + ", groups " + groups);
        }
        this.inChannels = inChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.causal = causal;
        int fanIn = inChannels / groups * kernel;
        this.weight = param("weight", Init.torchDefaultWeight(Seeds.derive(seed, 0), outChannels, inChannels / groups, kernel));
        this.bias = bias ? param("bias", Init.torchDefaultBias(Seeds.derive(seed, 1), fanIn, outChannels)) : null;
    }

    /** Depthwise causal convolution (N, C, L) → (N, C, L): groups = channels, left padding kernel − 1. */
    public static Conv1d causalDepthwise(int channels, int kernel, boolean bias, long seed) {
        return new Conv1d(channels, channels, kernel, 1, 0, 1, channels, bias, true, seed);
    }

    public Parameter weight() { return weight; }

    /** The bias, or null when built without one. */
    public Parameter bias() { return bias; }

    /** x (N, C, L) → (N, O, L') (L' = L for the causal form). */
    @Override public Var forward(Var x) {
        if (x.rank() != 3 || x.size(1) != inChannels) {
            throw new JmambaException("Conv1d: expected input (N, " + inChannels + ", L), got " + Arrays.toString(x.shape()));
        }
        Var b = bias == null ? null : bias.var();
        if (causal) {
            Var padded = x.pad(0.0, (kernel - 1) * dilation, 0); // (N, C, L + k - 1)
            return padded.conv1d(weight.var(), b, 1, 0, dilation, groups);
        }
        return x.conv1d(weight.var(), b, stride, padding, dilation, groups);
    }
}
