package dev.jmamba.nn;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Layer norm over the last dim gated by SiLU of z, as one autograd node over the backend's fused kernels
 * ({@code Backend.layerNormGated} and its backward): {@code y = layerNorm(x, weight, bias) · silu(z)}, the gated
 * output norm of GrootV's mixer. The same as {@code x.layerNorm(w, b, eps).mul(z.silu())} without the separate
 * SiLU and multiply passes; it saves x, z and the row statistics — neither the normalised x nor silu(z) — and
 * reads z in place when it is a channel slice of a wider tensor. Under autocast with bf16 x and z (Autocast's
 * BF16_IO) the backend reads both as bf16 and writes y as bf16 — what the out projection that follows reads —
 * and keeps them as bf16 for backward; statistics and gradients are float32.
 */
public final class GatedLayerNorm {
    private GatedLayerNorm() {}

    /**
     * @param x      (..., C)
     * @param weight (C) or null
     * @param bias   (C) or null
     * @param z      x's shape, the gate before its SiLU
     * @return x's shape
     */
    public static Var apply(Var x, Var weight, Var bias, Var z, double eps) {
        if (x == null || z == null || x.rank() < 1 || !Arrays.equals(x.shape(), z.shape())) {
            throw new JmambaException("gated layer norm: x and z must have one shape (..., C), got "
                    + (x == null ? "null" : Arrays.toString(x.shape())) + " and " + (z == null ? "null" : Arrays.toString(z.shape())));
        }
        if (!(eps > 0)) throw new JmambaException("gated layer norm: eps must be > 0, got " + eps);
        int c = x.size(-1);
        for (Var v : new Var[] {weight, bias}) {
            if (v != null && (v.rank() != 1 || v.size(0) != c)) {
                throw new JmambaException("gated layer norm: weight and bias must be (" + c + "), got " + Arrays.toString(v.shape()));
            }
        }
        return CustomOps.apply(new Function(eps), x, weight, bias, z)[0];
    }

    /** The computation type: float64 stays, everything else runs in float32. */
    private static Tensor compute(Tensor t) {
        return t == null || t.dtype() == DType.F64 || t.dtype() == DType.F32 ? t : t.to(DType.F32);
    }

    /** x or z as the backend reads it: bf16 stays when the other is bf16 too (autocast's activations), else {@link #compute}. */
    private static Tensor activation(Tensor t, Tensor other) {
        return t.dtype() == DType.BF16 && other.dtype() == DType.BF16 ? t : compute(t);
    }

    /** Inputs (x, weight, bias, z); saves x, weight, bias, z and the row mean and rstd. */
    private record Function(double eps) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor x = activation(in[0], in[3]), w = compute(in[1]), b = compute(in[2]), z = activation(in[3], in[0]);
            Tensor[] r = x.backend().layerNormGated(x, w, b, z, eps);                  // {y (x's type), mean, rstd}
            ctx.save(x, w, b, z, r[1], r[2]);
            DType[] types = new DType[in.length];                                      // the gradient type of each input
            for (int i = 0; i < in.length; i++) types[i] = in[i] == null ? null : Autocast.gradientType(in[i].dtype());
            ctx.put("dtypes", types);
            return new Tensor[] {r[0].dtype() == in[0].dtype() ? r[0] : r[0].to(in[0].dtype())};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];
            if (g == null) return new Tensor[4];
            Tensor[] s = ctx.saved();                                                  // x, weight, bias, z, mean, rstd
            boolean params = ctx.needsInputGrad(1) || ctx.needsInputGrad(2);
            Tensor[] r = s[0].backend().layerNormGatedBackward(g.to(s[4].dtype()), s[0], s[4], s[5], s[1], s[2], s[3],
                    ctx.needsInputGrad(0), params, ctx.needsInputGrad(3));
            DType[] types = ctx.get("dtypes");                                         // Autocast.gradientType of each input's
            Tensor[] grads = {r[0], ctx.needsInputGrad(1) ? r[1] : null, ctx.needsInputGrad(2) ? r[2] : null, r[3]};
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null && grads[i].dtype() != types[i]) grads[i] = grads[i].to(types[i]);
            }
            return grads;
        }
    }
}
