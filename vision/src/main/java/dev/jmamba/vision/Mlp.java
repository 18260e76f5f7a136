package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Seeds;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;

/**
 * Two-layer perceptron on the last dim: (..., C) → fc1 (C → hidden) → GELU → fc2 (hidden → C).
 * Names {@code fc1}, {@code fc2}. Weights trunc-normal(0.02), biases 0 (VMamba / GrootV init).
 */
public final class Mlp extends Layer {
    private final Linear fc1;
    private final Linear fc2;

    public Mlp(int channels, int hidden, long seed) {
        this.fc1 = register("fc1", new Linear(channels, hidden, true, Seeds.derive(seed, 0)));
        this.fc2 = register("fc2", new Linear(hidden, channels, true, Seeds.derive(seed, 1)));
        truncInit(fc1, Seeds.derive(seed, 2));
        truncInit(fc2, Seeds.derive(seed, 3));
    }

    /** Linear weight ← trunc-normal(std 0.02), bias ← 0 (timm / VMamba {@code _init_weights}). */
    public static void truncInit(Linear l, long seed) {
        l.weight().set(Init.truncNormal(seed, 0.02, l.weight().shape()));
        if (l.bias() != null) l.bias().set(Tensor.zeros(l.bias().shape()));
    }

    /**
     * x (..., C) → (..., C). fc2 runs as one node with fc1's bias and the GELU before it, so GELU's output is not kept
     * for backward (under autocast the bias, the GELU and the bf16 roundings are one pass: Var.matmulAfter).
     */
    @Override public Var forward(Var x) { return fc2.forwardAfter(UnaryOp.GELU, fc1.product(x), fc1.bias().var()); }

    /** {@link #forward} without fc2's bias ({@code forward(x) = forwardWithoutOutputBias(x) + outputBias()}): for a block that adds it in its residual add. */
    public Var forwardWithoutOutputBias(Var x) { return fc2.productAfter(UnaryOp.GELU, fc1.product(x), fc1.bias().var()); }

    /** fc2's bias (C). */
    public Var outputBias() { return fc2.bias().var(); }
}
