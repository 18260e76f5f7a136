package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.UnaryOp;

/**
 * y = x·Wᵀ + b. Input (..., in) → output (..., out). Weight (out, in), bias (out) or none.
 * Initialised as PyTorch's {@code nn.Linear}: W and b ~ U(±1/sqrt(in)).
 */
public final class Linear extends Layer {
    private final int in, out;
    private final Parameter weight; // (out, in)
    private final Parameter bias;   // (out) or null

    /** A Linear layer whose weight and bias are drawn from streams 0 and 1 of {@code seed}. */
    public Linear(int in, int out, boolean bias, long seed) {
        if (in < 1 || out < 1) throw new JmambaException("Linear: in and out must be >= 1, got in " + in + ", out " + out);
        this.in = in;
        this.out = out;
        this.weight = param("weight", Init.torchDefaultWeight(Seeds.derive(seed, 0), out, in));
        this.bias = bias ? param("bias", Init.torchDefaultBias(Seeds.derive(seed, 1), in, out)) : null;
    }

    public Parameter weight() { return weight; }

    /** The bias, or null when built without one. */
    public Parameter bias() { return bias; }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    /** x (..., in) → (..., out). */
    @Override public Var forward(Var x) {
        if (x.rank() < 1 || x.size(-1) != in) {
            throw new JmambaException("Linear(" + in + " → " + out + "): expected input (..., " + in + "), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        Var y = x.matmul(weight.var().transpose(0, 1)); // (..., out)
        return bias == null ? y : y.add(bias.var());
    }

    /** x @ weightᵀ without the bias: (..., in) → (..., out). */
    public Var product(Var x) {
        if (x.rank() < 1 || x.size(-1) != in) {
            throw new JmambaException("Linear(" + in + " → " + out + "): expected input (..., " + in + "), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x.matmul(weight.var().transpose(0, 1));
    }

    /**
     * {@code forward(act(x + preBias))} as one node ({@link Var#matmulAfter(UnaryOp, Var, Var)}): under autocast the
     * previous layer's bias, the activation and the bf16 roundings take one pass and only the bf16 pre-activation is
     * kept for backward. x (..., in), preBias (in).
     */
    public Var forwardAfter(UnaryOp act, Var x, Var preBias) {
        Var y = productAfter(act, x, preBias);
        return bias == null ? y : y.add(bias.var());
    }

    /** {@link #forwardAfter(UnaryOp, Var, Var)} without this layer's own bias (for a caller that folds it into its next op). */
    public Var productAfter(UnaryOp act, Var x, Var preBias) {
        if (x.rank() < 1 || x.size(-1) != in) {
            throw new JmambaException("Linear(" + in + " → " + out + "): expected input (..., " + in + "), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x.matmulAfter(act, preBias, weight.var().transpose(0, 1)); // (..., out)
    }

    /**
     * {@code forward(act(x))} without keeping act(x) for backward ({@link Var#matmulAfter}): the same
     * values and gradients, one activation-sized tensor less per call held until backward.
     */
    public Var forwardAfter(UnaryOp act, Var x) {
        if (x.rank() < 1 || x.size(-1) != in) {
            throw new JmambaException("Linear(" + in + " → " + out + "): expected input (..., " + in + "), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        Var y = x.matmulAfter(act, weight.var().transpose(0, 1)); // (..., out)
        return bias == null ? y : y.add(bias.var());
    }
}
