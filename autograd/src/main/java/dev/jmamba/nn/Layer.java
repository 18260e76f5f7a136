package dev.jmamba.nn;

import dev.jmamba.autograd.Var;

/** A {@link Module} with one input and one output, the kind {@link Sequential} chains. */
public abstract class Layer extends Module {
    /** Applies the layer; shapes are documented on each subclass. */
    public abstract Var forward(Var x);
}
