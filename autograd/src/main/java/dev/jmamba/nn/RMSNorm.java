package dev.jmamba.nn;

import dev.jmamba.autograd.Norms;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

import java.util.Arrays;

/**
 * RMS normalisation over the last dim: (..., C) → (..., C), y = x / sqrt(mean(x²) + eps) · w.
 * Weight (C) initialised to 1 and flagged no-weight-decay; no bias (Mamba's {@code RMSNorm}).
 */
public final class RMSNorm extends Layer {
    private final int channels;
    private final double eps;
    private final Parameter weight; // (C)

    /** eps 1e-5 as in Mamba/Vim. */
    public RMSNorm(int channels) { this(channels, 1e-5); }

    public RMSNorm(int channels, double eps) {
        if (channels < 1 || !(eps > 0)) throw new JmambaException("RMSNorm: need channels >= 1 and eps > 0, got " + channels + ", " + eps);
        this.channels = channels;
        this.eps = eps;
        this.weight = param("weight", Init.constant(1, channels)).noWeightDecay(true);
    }

    public Parameter weight() { return weight; }

    /** x (..., C) → (..., C). */
    @Override public Var forward(Var x) {
        checkInput(x);
        return x.rmsNorm(weight.var(), eps);
    }

    /**
     * The residual step of a Mamba/Vim block, fused ({@link Norms#addRmsNorm}): sum = x + residual
     * (residual null: sum = x) and normed = this norm of sum. x and residual (..., C) of one shape;
     * returns both, numerically {@code forward(x.add(residual))} and the sum.
     */
    public Norms.AddNorm forwardWithResidual(Var x, Var residual) {
        checkInput(x);
        if (residual != null && !Arrays.equals(residual.shape(), x.shape())) {
            throw new JmambaException("RMSNorm(" + channels + "): expected a residual of the input's shape "
                    + Arrays.toString(x.shape()) + ", got " + Arrays.toString(residual.shape()));
        }
        return Norms.addRmsNorm(x, residual, weight.var(), eps);
    }

    private void checkInput(Var x) {
        if (x.rank() < 1 || x.size(-1) != channels) {
            throw new JmambaException("RMSNorm(" + channels + "): expected input (..., " + channels + "), got " + Arrays.toString(x.shape()));
        }
    }
}
