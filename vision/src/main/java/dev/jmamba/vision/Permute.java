package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Layer;

/** A parameter-free layer that permutes dimensions (VMamba's {@code Permute}); keeps Sequential indices aligned with the official models. */
public final class Permute extends Layer {
    private final int[] dims;

    public Permute(int... dims) { this.dims = dims.clone(); }

    @Override public Var forward(Var x) { return x.permute(dims); }
}
