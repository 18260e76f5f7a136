package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

/** log(1 + exp(beta·x)) / beta, linear above {@code threshold} (PyTorch defaults beta 1, threshold 20). */
public final class Softplus extends Layer {
    private final double beta, threshold;

    public Softplus() { this(1, 20); }

    public Softplus(double beta, double threshold) {
        if (!(beta > 0)) throw new JmambaException("Softplus: beta must be > 0, got " + beta);
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override public Var forward(Var x) { return x.softplus(beta, threshold); }
}
