package dev.jmamba.autograd;

import dev.jmamba.tensor.Tensor;

/**
 * {@link Var#split} as one node with a piece per output: the forward returns views (narrows along the axis),
 * the backward writes the pieces' gradients side by side into one tensor of the input's shape (zeros where a
 * piece got none) — one copy per piece, instead of one zero tensor of the full shape per piece, each written
 * into, and the sums of those.
 */
final class SplitFunction implements CustomFunction {
    private final int axis;
    private final int[] sizes;

    SplitFunction(int axis, int[] sizes) {
        this.axis = axis;
        this.sizes = sizes.clone();
    }

    @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        return in[0].split(axis, sizes);
    }

    @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
        Tensor like = null;
        for (Tensor g : gradOutputs) if (g != null) like = g;
        if (like == null || !ctx.needsInputGrad(0)) return new Tensor[1];
        Tensor[] parts = new Tensor[gradOutputs.length];
        for (int i = 0; i < parts.length; i++) {
            if (gradOutputs[i] != null) {
                parts[i] = gradOutputs[i].dtype() == like.dtype() ? gradOutputs[i] : gradOutputs[i].to(like.dtype());
            } else {
                int[] shape = like.shape();
                shape[axis] = sizes[i];
                parts[i] = Tensor.zeros(like.dtype(), like.device(), shape);
            }
        }
        return new Tensor[] {Tensor.cat(axis, parts)};
    }
}
