package dev.jmamba.nn;

import dev.jmamba.autograd.Var;

/** GELU, exact (erf) or with the tanh approximation; element-wise, any shape. */
public final class GELU extends Layer {
    private final boolean tanhApproximation;

    /** Exact GELU, PyTorch's default. */
    public GELU() { this(false); }

    public GELU(boolean tanhApproximation) { this.tanhApproximation = tanhApproximation; }

    @Override public Var forward(Var x) { return tanhApproximation ? x.geluTanh() : x.gelu(); }
}
