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
 * Layer norm over dim 1 of a channels-first (N, C, M) tensor, optionally times a per-column scale and plus a weighted
 * skip term, as one autograd node over the backend's fused kernels ({@code Backend.layerNormChannels} and its
 * backward):
 * <pre>
 *   y[n, c, m] = (x̂[n, c, m] · weight[c] + bias[c]) · scale[n, m] + skipWeight[n mod G, c] · skip[n, c, m]
 *   x̂ = (x − mean_C) / sqrt(var_C + eps)
 * </pre>
 * the same as {@code x.permute(0, 2, 1).layerNorm(weight, bias, eps).permute(0, 2, 1).mul(scale.unsqueeze(1))
 * .add(skip.reshape(N / G, G, C, M).mul(skipWeight.reshape(1, G, C, 1)).reshape(N, C, M))} without the permute
 * copies, the separate multiplies and the add. The backward recomputes x̂ from x and the saved (N, M) statistics:
 * it keeps x, mean, rstd, scale, skip and skipWeight, never the normalised output.
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
        return apply(x, weight, bias, scale, null, null, eps);
    }

    /**
     * @param x          (N, C, M)
     * @param weight     (C) or null
     * @param bias       (C) or null
     * @param scale      (N, M) or null
     * @param skip       (N, C, M) or null
     * @param skipWeight (G, C) with G dividing N, given exactly when skip is
     * @return (N, C, M)
     */
    public static Var apply(Var x, Var weight, Var bias, Var scale, Var skip, Var skipWeight, double eps) {
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
        if ((skip == null) != (skipWeight == null)) throw new JmambaException("channel layer norm: skip and skipWeight go together");
        if (skip != null && !Arrays.equals(skip.shape(), x.shape())) {
            throw new JmambaException("channel layer norm: skip must have x's shape " + Arrays.toString(x.shape()) + ", got "
                    + Arrays.toString(skip.shape()));
        }
        if (skipWeight != null && (skipWeight.rank() != 2 || skipWeight.size(1) != c || skipWeight.size(0) < 1
                || x.size(0) % skipWeight.size(0) != 0)) {
            throw new JmambaException("channel layer norm: skipWeight must be (G, " + c + ") with G dividing " + x.size(0) + ", got "
                    + Arrays.toString(skipWeight.shape()));
        }
        return CustomOps.apply(new Function(eps), x, weight, bias, scale, skip, skipWeight)[0];
    }

    /** The computation type: float64 stays, everything else runs in float32. */
    private static Tensor compute(Tensor t) {
        return t == null || t.dtype() == DType.F64 || t.dtype() == DType.F32 ? t : t.to(DType.F32);
    }

    /**
     * x or skip as the backend reads it: a bf16 activation stays bf16 (read as bf16, statistics and the rest float32:
     * Autocast's BF16_IO) when the other is bf16 or absent; otherwise the computation type of {@link #compute}.
     */
    private static Tensor activation(Tensor t, Tensor other) {
        boolean bf16 = t != null && t.dtype() == DType.BF16 && (other == null || other.dtype() == DType.BF16);
        return bf16 ? t : compute(t);
    }

    /** Inputs (x, weight, bias, scale, skip, skipWeight); saves them (but y) and the (N, M) mean and rstd. */
    private record Function(double eps) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor x = activation(in[0], in[4]), w = compute(in[1]), b = compute(in[2]), s = compute(in[3]);
            Tensor sk = activation(in[4], in[0]), skw = compute(in[5]);
            DType statsType = Autocast.gradientType(x.dtype());                      // float32 for bf16 x
            if (sk != null && sk.dtype() != x.dtype()) sk = sk.to(x.dtype());
            if (skw != null && skw.dtype() != statsType) skw = skw.to(statsType);
            Tensor[] r = x.backend().layerNormChannels(x, w, b, s, sk, skw, eps);      // {y (x's type), mean, rstd}
            ctx.save(x, w, b, s, r[1], r[2], sk, skw);
            DType[] types = new DType[in.length];
            for (int i = 0; i < in.length; i++) types[i] = in[i] == null ? null : Autocast.gradientType(in[i].dtype());
            ctx.put("dtypes", types);
            return new Tensor[] {r[0].dtype() == in[0].dtype() ? r[0] : r[0].to(in[0].dtype())};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                                 // (N, C, M)
            if (g == null) return new Tensor[6];
            Tensor[] s = ctx.saved();                                                  // x, weight, bias, scale, mean, rstd, skip, skipWeight
            boolean params = ctx.needsInputGrad(1) || ctx.needsInputGrad(2), skips = ctx.needsInputGrad(4) || ctx.needsInputGrad(5);
            Tensor[] r = s[0].backend().layerNormChannelsBackward(g.to(s[4].dtype()), s[0], s[4], s[5], s[1], s[2], s[3], s[6], s[7],
                    ctx.needsInputGrad(0), params, ctx.needsInputGrad(3), skips);
            DType[] types = ctx.get("dtypes");                                         // Autocast.gradientType of each input's
            Tensor[] grads = {r[0], ctx.needsInputGrad(1) ? r[1] : null, ctx.needsInputGrad(2) ? r[2] : null, r[3],
                    ctx.needsInputGrad(4) ? r[4] : null, ctx.needsInputGrad(5) ? r[5] : null};
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null && grads[i].dtype() != types[i]) grads[i] = grads[i].to(types[i]);
            }
            return grads;
        }
    }
}
