package dev.jmamba.nn;

import dev.jmamba.autograd.Var;

/** x · sigmoid(x), element-wise, any shape. */
public final class SiLU extends Layer {
    @Override public Var forward(Var x) { return x.silu(); }
}
