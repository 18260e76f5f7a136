package dev.jmamba.vision.tokenops;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * The rotary embedding's pair rotation as one autograd node:
 * <pre>
 *   out = x · cos + rotate_half(x) · sin,   rotate_half(x)[2q] = −x[2q+1],  rotate_half(x)[2q+1] = x[2q]
 * </pre>
 * the same as {@code x.mul(cos).add(cat(−x_odd, x_even).mul(sin))} without the negation, the interleaving copy,
 * the two products and the sum, forward and backward ({@link TokenKernels#rotary}). The tables are constants
 * (no gradient flows to them); the backward is the transposed rotation of the incoming gradient.
 */
public final class RotaryPairs {
    private RotaryPairs() {}

    /**
     * @param x   (B, L, D) tokens, D even
     * @param cos (L, D) or (1, L, D), a constant
     * @param sin same shape as cos, a constant
     * @return (B, L, D)
     */
    public static Var apply(Var x, Var cos, Var sin) {
        if (x == null || x.rank() != 3 || x.size(2) % 2 != 0) {
            throw new JmambaException("rotary: x must be (B, L, D) with D even, got " + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        int l = x.size(1), d = x.size(2);
        for (Var t : new Var[] {cos, sin}) {
            int[] s = t == null ? null : t.shape();
            boolean ok = s != null && (Arrays.equals(s, new int[] {l, d}) || Arrays.equals(s, new int[] {1, l, d}));
            if (!ok) {
                throw new JmambaException("rotary: cos and sin must be (" + l + ", " + d + ") or (1, " + l + ", " + d + "), got "
                        + (s == null ? "null" : Arrays.toString(s)));
            }
            if (t.requiresGrad()) throw new JmambaException("rotary: the cos/sin tables are constants, got one that requires a gradient");
        }
        return CustomOps.apply(new RotaryFunction(), x, cos, sin)[0];
    }

    /** Inputs (x, cos, sin); saves the (L, D) tables only. */
    private static final class RotaryFunction implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            int l = in[0].size(1), d = in[0].size(2);
            Tensor cos = in[1].reshape(l, d), sin = in[2].reshape(l, d);
            ctx.save(cos, sin);
            return new Tensor[] {TokenKernels.forDevice(in[0].device()).rotary(in[0], cos, sin)};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                                  // (B, L, D)
            if (g == null || !ctx.needsInputGrad(0)) return new Tensor[3];
            Tensor[] t = ctx.saved();                                                   // cos, sin (L, D)
            return new Tensor[] {TokenKernels.forDevice(g.device()).rotaryBackward(g, t[0], t[1]), null, null};
        }
    }
}
