package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.keptShape;
import static dev.jmamba.autograd.rules.Grads.one;
import static dev.jmamba.autograd.rules.Grads.reducedCount;

import dev.jmamba.tensor.Tensor;

/**
 * Backward rules of reductions and of softmax. The output gradient is first reshaped to the
 * keepdim shape (reduced dims of size 1) so that it broadcasts against the input.
 */
public final class ReduceRules {
    private ReduceRules() {}

    /** dx = dy broadcast back over the reduced axes. */
    public static Rule sum(int[] xShape, int... axes) {
        int[] kept = keptShape(xShape, axes);
        return (gy, n) -> one(gy.reshape(kept).expand(xShape));
    }

    /** dx = dy / count broadcast back. */
    public static Rule mean(int[] xShape, int... axes) {
        int[] kept = keptShape(xShape, axes);
        double count = reducedCount(xShape, axes);
        return (gy, n) -> one(gy.reshape(kept).div(count).expand(xShape));
    }

    /**
     * Max (or min) over axes. Ties: every position equal to the extreme value gets an equal share
     * dy / (number of ties), so the shares add up to dy (PyTorch's amax convention).
     */
    public static Rule extreme(Tensor x, Tensor y, int... axes) {
        int[] kept = keptShape(x.shape(), axes);
        return (gy, n) -> {
            Tensor hit = x.eq(y.reshape(kept));               // 1 at the extreme positions, x's shape
            Tensor count = hit.sum(true, axes);               // kept shape, >= 1
            return one(hit.mul(gy.reshape(kept).div(count)));
        };
    }

    /** var = sum((x - mean)²) / (count - ddof): dx = dy 2 (x - mean) / (count - ddof). */
    public static Rule var(Tensor x, boolean unbiased, int... axes) {
        int[] kept = keptShape(x.shape(), axes);
        long count = reducedCount(x.shape(), axes);
        double denom = Math.max(1, unbiased ? count - 1 : count); // as in the forward
        return (gy, n) -> one(x.sub(x.mean(true, axes)).mul(gy.reshape(kept)).mul(2.0 / denom));
    }

    /** y = softmax(x): dx = y (dy - sum(dy y)) along the axis. */
    public static Rule softmax(Tensor y, int axis) {
        return (gy, n) -> one(y.mul(gy.sub(gy.mul(y).sum(true, axis))));
    }

    /** y = logSoftmax(x): dx = dy - softmax(x) sum(dy) along the axis. */
    public static Rule logSoftmax(Tensor y, int axis) {
        return (gy, n) -> one(gy.sub(y.exp().mul(gy.sum(true, axis))));
    }
}
