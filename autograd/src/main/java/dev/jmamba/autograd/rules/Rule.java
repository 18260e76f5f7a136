package dev.jmamba.autograd.rules;

import dev.jmamba.tensor.Tensor;

/**
 * The backward of one recorded single-output op: maps d(loss)/d(output) to d(loss)/d(inputs).
 * A rule captures only the tensors (or shapes) its backward needs when the op is recorded.
 * The factories in this package ({@link UnaryRules}, {@link BinaryRules}, ...) make them; only
 * {@code dev.jmamba.autograd.Var} calls them.
 */
@FunctionalInterface
public interface Rule {
    /**
     * @param gradOutput     d(loss)/d(output), the output's shape (never null)
     * @param needsInputGrad per input: whether its gradient is wanted (others may be returned as null)
     * @return one gradient per input, each with that input's shape, or null where not needed
     */
    Tensor[] backward(Tensor gradOutput, boolean[] needsInputGrad);
}
