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

    /** The computation type: float64 and float32 stay, bf16 x stays (autocast's activation), anything else runs in float32. */
    private static Tensor compute(Tensor t, boolean bf16Allowed) {
        if (t == null || t.dtype() == DType.F64 || t.dtype() == DType.F32 || (bf16Allowed && t.dtype() == DType.BF16)) return t;
        return t.to(DType.F32);
    }

    /**
     * Inputs (x, weight, bias); saves them, never the pre-activation or the output. A bf16 x (an activation autocast
     * keeps in bf16) is read and saved as bf16, y is bf16, and x's gradient is float32 (as the causal conv's).
     */
    private record Function(ConvParams p) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor x = compute(in[0], true), w = compute(in[1], false), b = compute(in[2], false);
            if (x.dtype() == DType.BF16 && w.dtype() == DType.F64) x = x.to(DType.F64);
            ctx.save(x, w, b);
            ctx.put("dtypes", new DType[] {in[0].dtype(), in[1].dtype(), in[2] == null ? null : in[2].dtype()});
            Tensor y = x.backend().depthwiseConv2dSilu(x, w, b, p);
            return new Tensor[] {y.dtype() == in[0].dtype() ? y : y.to(in[0].dtype())};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                     // (N, C, H', W')
            if (g == null) return new Tensor[3];
            Tensor[] s = ctx.saved();                                      // x, weight, bias
            DType compute = s[0].dtype() == DType.BF16 ? DType.F32 : s[0].dtype();
            Tensor[] grads = s[0].backend().depthwiseConv2dSiluBackward(g.to(compute), s[0], s[1], s[2], p,
                    ctx.needsInputGrad(0), ctx.needsInputGrad(1), s[2] != null && ctx.needsInputGrad(2));
            DType[] types = ctx.get("dtypes");                             // gradients in their input's dtype, float32 for bf16 x
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null && grads[i].dtype() != types[i] && types[i] != DType.BF16) grads[i] = grads[i].to(types[i]);
            }
            return grads;
        }
    }
}
