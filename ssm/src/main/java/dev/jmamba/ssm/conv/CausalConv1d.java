package dev.jmamba.ssm.conv;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Mamba's short convolution as one autograd node: a causal depthwise conv1d with optional bias and
 * optional fused SiLU,
 * <pre>
 *   y[b, d, l] = act(bias[d] + Σ_{k=0..K-1} weight[d, 0, k] · x[b, d, l − K + 1 + k])   (x = 0 for l − K + 1 + k &lt; 0)
 * </pre>
 * the same as {@code Conv1d.causalDepthwise(D, K, bias).forward(x)} followed by {@code silu()}, but
 * without the padded copy and the separate activation pass. The backward recomputes the
 * pre-activation (K multiply-adds per element) instead of saving it, and returns dx (a correlation of
 * the gradient with the flipped filter), dweight and dbias (sums over batch and positions).
 */
public final class CausalConv1d {
    private CausalConv1d() {}

    /**
     * @param x      (B, D, L)
     * @param weight (D, 1, K), the layout of {@code Conv1d.causalDepthwise}'s weight
     * @param bias   (D) or null
     * @param silu   whether to apply SiLU to the output
     * @return (B, D, L)
     */
    public static Var apply(Var x, Var weight, Var bias, boolean silu) {
        return apply(x, weight, bias, silu, false);
    }

    /**
     * As {@link #apply(Var, Var, Var, boolean)}; with {@code reverse} the conv runs over the L-flipped
     * sequence and the result is flipped back — y[l] = act(bias + Σ_k w[k]·x[l + K − 1 − k]), the short
     * conv of Vim's backward direction — without flip copies on devices whose kernel reads backwards.
     */
    public static Var apply(Var x, Var weight, Var bias, boolean silu, boolean reverse) {
        check(x, weight, bias);
        return CustomOps.apply(new Function(silu, reverse), x, weight, bias)[0];
    }

    private static void check(Var x, Var weight, Var bias) {
        if (x == null || x.rank() != 3) {
            throw new JmambaException("causal conv1d: x must be (B, D, L), got " + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        int d = x.size(1);
        if (weight == null || weight.rank() != 3 || weight.size(0) != d || weight.size(1) != 1 || weight.size(2) < 1) {
            throw new JmambaException("causal conv1d: weight must be (D, 1, K) with D = " + d + " and K >= 1, got "
                    + (weight == null ? "null" : Arrays.toString(weight.shape())));
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != d)) {
            throw new JmambaException("causal conv1d: bias must be (D) with D = " + d + " or null, got " + Arrays.toString(bias.shape()));
        }
        for (Var other : new Var[] {weight, bias}) {
            if (other != null && !other.value().device().equals(x.value().device())) {
                throw new JmambaException("causal conv1d: weight and bias must be on x's device " + x.value().device()
                        + ", got one on " + other.value().device());
            }
        }
    }

    /** The node: inputs (x, weight, bias); forward and backward run on the inputs' device. */
    private record Function(boolean silu, boolean reverse) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            ctx.save(in[0], in[1], in[2]);
            return new Tensor[] {CausalConvKernels.forDevice(in[0].device()).forward(in[0], in[1], in[2], silu, reverse)};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor[] s = ctx.saved();                                     // x (B, D, L), weight (D, 1, K), bias (D) or null
            Tensor g = gradOutputs[0];                                    // (B, D, L)
            if (g == null) return new Tensor[3];
            Tensor[] grads = CausalConvKernels.forDevice(g.device()).backward(s[0], s[1], s[2], silu, g, reverse);
            for (int i = 0; i < grads.length; i++) {
                if (!ctx.needsInputGrad(i)) grads[i] = null;
            }
            return grads;
        }
    }
}
