package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.scalar;

import dev.jmamba.tensor.Tensor;

/**
 * Backward rules of broadcasting binary ops. Each input's gradient is computed in the output
 * (broadcast) shape and then summed back to the input's own shape with {@link Tensor#sumTo}.
 */
public final class BinaryRules {
    private BinaryRules() {}

    private static Tensor[] two(boolean[] needs, int[] aShape, int[] bShape,
                                java.util.function.Supplier<Tensor> ga, java.util.function.Supplier<Tensor> gb) {
        return new Tensor[] {needs[0] ? ga.get().sumTo(aShape) : null, needs[1] ? gb.get().sumTo(bShape) : null};
    }

    public static Rule add(int[] aShape, int[] bShape) {
        return (gy, n) -> two(n, aShape, bShape, () -> gy, () -> gy);
    }

    /**
     * out = x + (y + bias) · scale[b] (Backend.residualAdd): dx = dy, dy_branch = dy · scale[b] (dy without a scale),
     * dbias = Σ dy_branch over all but the last dim; scale (B) or null, c the channels.
     */
    public static Rule residualAdd(Tensor scale, int c) {
        return (gy, n) -> {
            Tensor branch = null;
            if (n[1] || n[2]) {
                branch = gy;
                if (scale != null) {
                    int[] view = new int[gy.rank()];
                    java.util.Arrays.fill(view, 1);
                    view[0] = gy.size(0);
                    branch = gy.mul(scale.reshape(view));
                }
            }
            return new Tensor[] {n[0] ? gy : null, n[1] ? branch : null, n[2] ? branch.sumTo(c) : null};
        };
    }

    public static Rule sub(int[] aShape, int[] bShape) {
        return (gy, n) -> two(n, aShape, bShape, () -> gy, gy::neg);
    }

    /** y = a b: da = dy b, db = dy a. */
    public static Rule mul(Tensor a, Tensor b) {
        return (gy, n) -> two(n, a.shape(), b.shape(), () -> gy.mul(b), () -> gy.mul(a));
    }

    /** y = a / b: da = dy / b, db = -dy a / b². */
    public static Rule div(Tensor a, Tensor b) {
        return (gy, n) -> two(n, a.shape(), b.shape(), () -> gy.div(b), () -> gy.mul(a).div(b.square()).neg());
    }

    /** y = a^b: da = dy b a^(b-1), db = dy y log(a). */
    public static Rule pow(Tensor a, Tensor b, Tensor y) {
        return (gy, n) -> two(n, a.shape(), b.shape(),
                () -> gy.mul(b).mul(a.pow(b.sub(scalar(b, 1)))), () -> gy.mul(y).mul(a.log()));
    }

    /**
     * y = max(a, b) (or min with {@code max = false}). Where a and b tie, the gradient is split
     * evenly (half to each), as PyTorch does.
     */
    public static Rule maximum(Tensor a, Tensor b, boolean max) {
        return (gy, n) -> {
            Tensor aWins = (max ? a.gt(b) : a.lt(b)).add(a.eq(b).mul(0.5)); // share of a: 1, 1/2 or 0
            return two(n, a.shape(), b.shape(), () -> gy.mul(aWins), () -> gy.mul(aWins.neg().add(1)));
        };
    }

    /** y = cond ? a : b: the gradient goes to a where cond holds and to b elsewhere. */
    public static Rule where(Tensor cond, int[] aShape, int[] bShape) {
        return (gy, n) -> {
            Tensor zero = scalar(gy, 0);
            return two(n, aShape, bShape, () -> Tensor.where(cond, gy, zero), () -> Tensor.where(cond, zero, gy));
        };
    }
}
