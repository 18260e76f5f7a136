package dev.jmamba.vision.tokenops;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Each row scaled by its own factor, out[r, l] = x[r, l] · g[r] (a channel gate on channel-major rows), as one
 * autograd node: the same as {@code x.mul(g.unsqueeze(1))}, but its backward computes gx = gy·g and
 * gg = Σ_l gy·x in one pass over the rows ({@link TokenKernels#rowScaleBackward}) instead of writing the (R, L)
 * product gy·x and summing it.
 */
public final class RowScale {
    private RowScale() {}

    /**
     * @param x (R, L)
     * @param g (R)
     * @return (R, L)
     */
    public static Var apply(Var x, Var g) {
        if (x == null || x.rank() != 2 || g == null || g.rank() != 1 || g.size(0) != x.size(0)) {
            throw new JmambaException("row scale: expected x (R, L) and g (R), got " + (x == null ? "null" : Arrays.toString(x.shape()))
                    + " and " + (g == null ? "null" : Arrays.toString(g.shape())));
        }
        return CustomOps.apply(new RowScaleFunction(), x, g)[0];
    }

    /** Inputs (x, g); saves both. */
    private static final class RowScaleFunction implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            ctx.save(in[0], in[1]);
            return new Tensor[] {TokenKernels.forDevice(in[0].device()).rowScale(in[0], in[1])};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                                   // (R, L)
            if (g == null) return new Tensor[2];
            Tensor[] s = ctx.saved();                                                    // x, g
            return TokenKernels.forDevice(g.device()).rowScaleBackward(g, s[0], s[1], ctx.needsInputGrad(0), ctx.needsInputGrad(1));
        }
    }
}
