package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

/**
 * A trainable tensor of a {@link Module}: a leaf {@link Var} (requiresGrad true), the local name it
 * was registered under (e.g. {@code weight}; the dotted path comes from
 * {@link Module#namedParameters()}) and a no-weight-decay flag that
 * {@link dev.jmamba.optim.ParamGroups#noDecayFor} honours.
 */
public final class Parameter {
    private final String name;
    private Var var;
    private boolean noWeightDecay;

    Parameter(String name, Tensor init) {
        this.name = name;
        this.var = Var.param(init);
    }

    /** The local name (last component of the dotted path). */
    public String name() { return name; }

    /** The leaf variable to use in forward passes. */
    public Var var() { return var; }

    /** The current data. */
    public Tensor value() { return var.value(); }

    /** The accumulated gradient, or null before the first backward (or after zeroGrad). */
    public Tensor grad() { return var.grad(); }

    public int[] shape() { return var.shape(); }

    public int rank() { return var.rank(); }

    public long numel() { return var.value().numel(); }

    /** True when optimizers built by {@code ParamGroups.noDecayFor} should not decay it. */
    public boolean noWeightDecay() { return noWeightDecay; }

    /** Sets the no-weight-decay flag; returns this. */
    public Parameter noWeightDecay(boolean on) {
        this.noWeightDecay = on;
        return this;
    }

    /**
     * Overwrites the data in place with {@code src} (same shape; converted to this parameter's dtype
     * and device). The storage stays the same, so tensors created in a {@code Scope} are safe to pass.
     */
    public void set(Tensor src) {
        Tensor v = var.value();
        if (!v.sameShape(src)) {
            throw new JmambaException("Parameter '" + name + "': expected a value of shape "
                    + java.util.Arrays.toString(v.shape()) + ", got " + java.util.Arrays.toString(src.shape()));
        }
        v.copyFrom(src.to(v.device()).to(v.dtype()));
    }

    /** Replaces the leaf with a new one holding {@code value} (used by {@link Module#to}); drops the gradient. */
    void replace(Tensor value) {
        this.var = Var.param(value);
    }

    @Override public String toString() {
        return "Parameter " + name + java.util.Arrays.toString(shape()) + " " + var.dtype();
    }
}
