package dev.jmamba.autograd;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

/**
 * Fused normalisation ops with two outputs. {@link #addRmsNorm} is the residual step of every
 * Mamba/Vim block ({@code fused_add_norm} in mamba_ssm): the new residual stream and its RMS norm
 * come from one kernel, and their gradients go back through one kernel
 * ({@link dev.jmamba.tensor.Backend#addRmsNorm}, {@link dev.jmamba.tensor.Backend#addRmsNormBackward}).
 */
public final class Norms {
    private Norms() {}

    /**
     * The two outputs of {@link #addRmsNorm}: {@code normed} = RMSNorm(sum) and {@code sum} =
     * x + residual, the residual stream the next layer adds to.
     */
    public record AddNorm(Var normed, Var sum) {}

    /**
     * sum = x + residual (residual null: sum = x) and normed = sum · rsqrt(mean(sum²) + eps) · weight
     * over the last dim. x and residual (..., C) of one shape; weight (C) may be null. Equal to
     * {@code x.add(residual)} followed by {@code rmsNorm(weight, eps)}, computed in one pass;
     * gradients may flow into either output or both.
     */
    public static AddNorm addRmsNorm(Var x, Var residual, Var weight, double eps) {
        if (x == null) throw new JmambaException("addRmsNorm: expected an input x, got null");
        Var[] out = CustomOps.apply(new AddRmsNorm(eps), x, residual, weight);
        return new AddNorm(out[0], out[1]);
    }

    /** The custom function behind {@link #addRmsNorm}; profiled as {@code AddRmsNorm}. */
    private static final class AddRmsNorm implements CustomFunction {
        private final double eps;

        AddRmsNorm(double eps) { this.eps = eps; }

        /** inputs (x, residual or null, weight or null) → (normed, sum); saves sum, rstd and weight. */
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor[] r = in[0].backend().addRmsNorm(in[0], in[1], in[2], eps);   // {y, sum, rstd}
            ctx.save(r[1], r[2], in[2]);
            return new Tensor[] {r[0], r[1]};
        }

        /** (g normed or null, g sum or null) → (gx, gresidual, gweight); gx and gresidual are one tensor. */
        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor[] saved = ctx.saved();
            Tensor sum = saved[0], rstd = saved[1], weight = saved[2];
            Tensor gy = gradOutputs[0], gSum = gradOutputs[1];
            boolean weightGrad = ctx.needsInputGrad(2);
            Tensor gx, gw;
            if (gy == null) {                  // only the sum output was used: it passes its gradient through
                gx = gSum;
                gw = weightGrad ? Tensor.zeros(weight.dtype(), weight.device(), weight.shape()) : null;
            } else {
                Tensor[] g = sum.backend().addRmsNormBackward(gy, gSum, sum, rstd, weight, weightGrad);
                gx = g[0];
                gw = g[1];
            }
            return new Tensor[] {ctx.needsInputGrad(0) ? gx : null, ctx.needsInputGrad(1) ? gx : null, gw};
        }
    }
}
