package dev.jmamba.nn;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Layer norm over dim 1 of a channels-first (N, C, M) tensor, optionally times a per-column scale, as one autograd
 * node over the backend's fused kernels ({@code Backend.layerNormChannels} and its backward):
 * <pre>
 *   y[n, c, m] = (x̂[n, c, m] · weight[c] + bias[c]) · scale[n, m],   x̂ = (x − mean_C) / sqrt(var_C + eps)
 * </pre>
 * the same as {@code x.permute(0, 2, 1).layerNorm(weight, bias, eps).permute(0, 2, 1).mul(scale.unsqueeze(1))}
 * without the permute copies and the separate multiply. The backward recomputes x̂ from x and the saved (N, M)
 * statistics: it keeps x, mean, rstd and scale, never the normalised output.
 */
public final class ChannelLayerNorm {
    private ChannelLayerNorm() {}

    /**
     * @param x      (N, C, M)
     * @param weight (C) or null
     * @param bias   (C) or null
     * @param scale  (N, M) or null
     * @return (N, C, M)
     */
    public static Var apply(Var x, Var weight, Var bias, Var scale, double eps) {
        if (x == null || x.rank() != 3) {
            throw new JmambaException("channel layer norm: x must be (N, C, M), got " + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        if (!(eps > 0)) throw new JmambaException("channel layer norm: eps must be > 0, got " + eps);
        int c = x.size(1);
        for (Var v : new Var[] {weight, bias}) {
            if (v != null && (v.rank() != 1 || v.size(0) != c)) {
                throw new JmambaException("channel layer norm: weight and bias must be (" + c + "), got " + Arrays.toString(v.shape()));
            }
        }
        if (scale != null && (scale.rank() != 2 || scale.size(0) != x.size(0) || scale.size(1) != x.size(2))) {
            throw new JmambaException("channel layer norm: scale must be (" + x.size(0) + ", " + x.size(2) + "), got "
                    + Arrays.toString(scale.shape()));
        }
        return CustomOps.apply(new Function(eps), x, weight, bias, scale)[0];
    }

    /** The computation type: float64 stays, everything else runs in float32. */
    private static Tensor compute(Tensor t) {
        return t == null || t.dtype() == DType.F64 || t.dtype() == DType.F32 ? t : t.to(DType.F32);
    }

    /** Inputs (x, weight, bias, scale); saves x, weight, bias, scale and the (N, M) mean and rstd. */
    private record Function(double eps) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor x = compute(in[0]), w = compute(in[1]), b = compute(in[2]), s = compute(in[3]);
            Tensor[] r = x.backend().layerNormChannels(x, w, b, s, eps);               // {y, mean, rstd}
            ctx.save(x, w, b, s, r[1], r[2]);
            ctx.put("dtypes", new DType[] {in[0].dtype(), in[1] == null ? null : in[1].dtype(), in[2] == null ? null : in[2].dtype(),
                    in[3] == null ? null : in[3].dtype()});
            return new Tensor[] {r[0].dtype() == in[0].dtype() ? r[0] : r[0].to(in[0].dtype())};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                                 // (N, C, M)
            if (g == null) return new Tensor[4];
            Tensor[] s = ctx.saved();                                                  // x, weight, bias, scale, mean, rstd
            boolean params = ctx.needsInputGrad(1) || ctx.needsInputGrad(2);
            Tensor[] r = s[0].backend().layerNormChannelsBackward(g.to(s[0].dtype()), s[0], s[4], s[5], s[1], s[2], s[3],
                    ctx.needsInputGrad(0), params, ctx.needsInputGrad(3));
            DType[] types = ctx.get("dtypes");                                         // gradients in their input's dtype
            Tensor[] grads = {r[0], ctx.needsInputGrad(1) ? r[1] : null, ctx.needsInputGrad(2) ? r[2] : null, r[3]};
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null && grads[i].dtype() != types[i]) grads[i] = grads[i].to(types[i]);
            }
            return grads;
        }
    }
}
