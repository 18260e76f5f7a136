package dev.jmamba.vision.localmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Seeds;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.tokenops.RowScale;
import dev.jmamba.vision.tokenops.TokenMeanNorm;

/**
 * LocalMamba's channel gate (spec localmamba.md §2, {@code BiAttn} with only its channel part
 * active): g = sigmoid(channel_select(GELU(global_reduce(mean_L(LayerNorm(x)))))), out = x · g.
 * Names: {@code norm}, {@code global_reduce} (C → C/8), {@code channel_select} (C/8 → C).
 *
 * <p>The gate depends on the mean over tokens of a per-token normalisation, which does not depend
 * on the token order — so it can be applied to a direction's output before that output is put
 * back into row-major order (what {@link LocalMixer} does), with the same result.
 */
public final class BiAttn extends Module {
    private final LayerNorm norm;
    private final Linear globalReduce;
    private final Linear channelSelect;

    public BiAttn(int channels, long seed) {
        int reduced = (int) (channels * 0.125);
        if (reduced < 1) throw new JmambaException("BiAttn: need at least 8 channels, got " + channels);
        this.norm = register("norm", new LayerNorm(channels));
        this.globalReduce = register("global_reduce", new Linear(channels, reduced, true, Seeds.derive(seed, 0)));
        this.channelSelect = register("channel_select", new Linear(reduced, channels, true, Seeds.derive(seed, 1)));
    }

    /**
     * @param x (B, L, C) in any token order
     * @return (B, L, C) x scaled per sample and channel
     */
    public Var forward(Var x) {
        Var g = norm.forward(x).mean(true, 1);                   // (B, 1, C)
        g = channelSelect.forward(globalReduce.forward(g).gelu()).sigmoid();
        return x.mul(g);
    }

    /**
     * The gate on channel-major rows: K sequences of B samples each (tokens in any order), each (sequence,
     * sample) gated by the mean over its own tokens — {@link #forward} of every (B, L, C) sequence k at once.
     * The pooled norm is one node that never writes the normalised rows ({@link TokenMeanNorm}), and the gate
     * one row scale whose backward reads y and the gradient once ({@link RowScale}).
     *
     * @param y (K, C, B, L)
     * @return (K, C, B, L)
     */
    public Var forwardRows(Var y) {
        if (y.rank() != 4) throw new JmambaException("BiAttn: expected rows (K, C, B, L), got rank " + y.rank());
        int k = y.size(0), c = y.size(1), b = y.size(2), l = y.size(3);
        Var pooled = TokenMeanNorm.apply(y, var(norm.weight()), var(norm.bias()), norm.eps());  // (K, B, C)
        Var g = channelSelect.forward(globalReduce.forward(pooled).gelu()).sigmoid();           // (K, B, C)
        Var gate = g.permute(0, 2, 1).reshape(k * c * b);                                      // (K·C·B), rows of y
        return RowScale.apply(y.reshape(k * c * b, l), gate).reshape(k, c, b, l);
    }

    private static Var var(Parameter p) { return p == null ? null : p.var(); }

    /** Zeroes both biases (Vim's {@code _init_weights} zeroes every Linear bias). */
    void zeroBiases() {
        globalReduce.bias().set(globalReduce.bias().value().mul(0.0));
        channelSelect.bias().set(channelSelect.bias().value().mul(0.0));
    }
}
