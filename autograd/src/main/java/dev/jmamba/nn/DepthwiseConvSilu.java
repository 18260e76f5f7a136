package dev.jmamba.nn;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * A depthwise conv2d with bias and SiLU as one autograd node over the backend's fused kernels
 * ({@code Backend.depthwiseConv2dSilu} and its pre-activation gradient): {@code silu(x.conv2d(w, bias, p))} — the
 * SS2D mixers' short conv — without the separate bias and SiLU passes. It saves x and the parameters only; the
 * backward recomputes the pre-activation (kh·kw multiply-adds per output) instead of keeping it, then runs the
 * ordinary input and weight gradient kernels on gy · silu'(pre).
 */
public final class DepthwiseConvSilu {
    private DepthwiseConvSilu() {}

    /**
     * @param x      (N, C, H, W)
     * @param weight (C, 1, kh, kw)
     * @param bias   (C) or null
     * @param p      groups must be C
     * @return (N, C, H', W')
     */
    public static Var apply(Var x, Var weight, Var bias, ConvParams p) {
        if (x == null || weight == null || x.rank() != 4 || weight.rank() != 4 || weight.size(0) != x.size(1)
                || weight.size(1) != 1 || p.groups() != x.size(1)) {
            throw new JmambaException("depthwise conv + SiLU: need x (N, C, H, W), weight (C, 1, kh, kw) and groups C, got "
                    + (x == null ? "null" : Arrays.toString(x.shape())) + ", " + (weight == null ? "null" : Arrays.toString(weight.shape()))
                    + ", groups " + p.groups());
        }
        return CustomOps.apply(new Function(p), x, weight, bias)[0];
    }

    /** The computation type: float64 stays, everything else runs in float32. */
    private static Tensor compute(Tensor t) {
        return t == null || t.dtype() == DType.F64 || t.dtype() == DType.F32 ? t : t.to(DType.F32);
    }

    /** Inputs (x, weight, bias); saves them, never the pre-activation or the output. */
    private record Function(ConvParams p) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor x = compute(in[0]), w = compute(in[1]), b = compute(in[2]);
            ctx.save(x, w, b);
            ctx.put("dtypes", new DType[] {in[0].dtype(), in[1].dtype(), in[2] == null ? null : in[2].dtype()});
            Tensor y = x.backend().depthwiseConv2dSilu(x, w, b, p);
            return new Tensor[] {y.dtype() == in[0].dtype() ? y : y.to(in[0].dtype())};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                     // (N, C, H', W')
            if (g == null) return new Tensor[3];
            Tensor[] s = ctx.saved();                                      // x, weight, bias
            Tensor pre = s[0].backend().depthwiseConv2dSiluGrad(g.to(s[0].dtype()), s[0], s[1], s[2], p); // gy · silu'(pre)
            Tensor gx = ctx.needsInputGrad(0) ? s[0].backend().conv2dInputGrad(pre, s[1], s[0].shape(), p) : null;
            Tensor gw = ctx.needsInputGrad(1) ? s[0].backend().conv2dWeightGrad(pre, s[0], s[1].shape(), p) : null;
            Tensor gb = s[2] != null && ctx.needsInputGrad(2) ? pre.sum(false, 0, 2, 3) : null;
            DType[] types = ctx.get("dtypes");                             // gradients in their input's dtype
            Tensor[] grads = {gx, gw, gb};
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null && grads[i].dtype() != types[i]) grads[i] = grads[i].to(types[i]);
            }
            return grads;
        }
    }
}
