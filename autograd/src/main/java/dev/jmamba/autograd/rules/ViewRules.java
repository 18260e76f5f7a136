package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.one;
import static dev.jmamba.autograd.rules.Grads.zeros;

import dev.jmamba.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Backward rules of views and of ops that move data without arithmetic (pad, flip, cat). The
 * backward of a view is the inverse view, or "write dy into the viewed part of a zero tensor".
 */
public final class ViewRules {
    private ViewRules() {}

    /** reshape / view / squeeze / unsqueeze / contiguous: dx = dy reshaped back. */
    public static Rule reshape(int[] xShape) { return (gy, n) -> one(gy.reshape(xShape)); }

    /** dx = dy permuted by the inverse permutation. */
    public static Rule permute(int rank, int... dims) {
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[dims[i] < 0 ? dims[i] + rank : dims[i]] = i;
        return (gy, n) -> one(gy.permute(inverse));
    }

    /**
     * narrow / slice / select: dx is zero except in the viewed part, which holds dy.
     * {@code view} re-applies the forward view to the zero tensor.
     */
    public static Rule embed(int[] xShape, UnaryOperator<Tensor> view) {
        return (gy, n) -> {
            Tensor gx = zeros(gy, xShape);
            view.apply(gx).copyFrom(gy);
            return one(gx);
        };
    }

    /** expand: dx = dy summed over the broadcast dims. */
    public static Rule expand(int[] xShape) { return (gy, n) -> one(gy.sumTo(xShape)); }

    public static Rule flip(int... dims) { return (gy, n) -> one(gy.flip(dims)); }

    /** pad: dx = dy with the padding cut off (negative pads crop; forward crops become zero pads). */
    public static Rule pad(int... pads) {
        int[] inverse = new int[pads.length];
        for (int i = 0; i < pads.length; i++) inverse[i] = -pads[i];
        return (gy, n) -> one(gy.pad(0, inverse));
    }

    /** cat along {@code axis} of parts with the given sizes: dx_i = the i-th piece of dy. */
    public static Rule cat(int axis, int... sizes) { return (gy, n) -> gy.split(axis, sizes); }
}
