package dev.jmamba.vision.tokenops;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * The mean over tokens of a per-token layer norm, on channel-major rows:
 * <pre>
 *   p[n, b, c] = weight[c] · (1/L) Σ_l x̂[n, c, b, l] + bias[c],   x̂ = (y − mean_C) / sqrt(var_C + eps)   (per token (n, b, l))
 * </pre>
 * equal to {@code mean over l of LayerNorm_C(y)} but without writing the normalised (N, C, B, L) tensor, reading
 * y for the mean and again for its gradient, or materialising the broadcast gradient of the mean. One autograd
 * node for xbar = (1/L) Σ_l x̂ ({@link TokenKernels#tokenMeanNorm}; it saves y and the per-token mean and rstd);
 * the affine part is applied to the small (N, B, C) result by ordinary ops.
 */
public final class TokenMeanNorm {
    private TokenMeanNorm() {}

    /**
     * @param y      (N, C, B, L)
     * @param weight (C) or null
     * @param bias   (C) or null
     * @return (N, B, C)
     */
    public static Var apply(Var y, Var weight, Var bias, double eps) {
        if (y == null || y.rank() != 4) {
            throw new JmambaException("token mean norm: y must be (N, C, B, L), got " + (y == null ? "null" : Arrays.toString(y.shape())));
        }
        if (!(eps > 0)) throw new JmambaException("token mean norm: eps must be > 0, got " + eps);
        int c = y.size(1);
        for (Var v : new Var[] {weight, bias}) {
            if (v != null && (v.rank() != 1 || v.size(0) != c)) {
                throw new JmambaException("token mean norm: weight and bias must be (" + c + "), got " + Arrays.toString(v.shape()));
            }
        }
        Var p = CustomOps.apply(new TokenMeanNormFunction(eps), y)[0];                   // (N, B, C)
        if (weight != null) p = p.mul(weight);
        return bias == null ? p : p.add(bias);
    }

    /** Input y; output xbar (N, B, C); saves y, mean and rstd. */
    private record TokenMeanNormFunction(double eps) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor[] r = TokenKernels.forDevice(in[0].device()).tokenMeanNorm(in[0], eps);  // xbar, mean, rstd
            ctx.save(in[0], r[1], r[2]);
            return new Tensor[] {r[0]};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                                    // (N, B, C)
            if (g == null || !ctx.needsInputGrad(0)) return new Tensor[1];
            Tensor[] s = ctx.saved();                                                     // y, mean, rstd
            return new Tensor[] {TokenKernels.forDevice(g.device()).tokenMeanNormBackward(g, s[0], s[1], s[2])};
        }
    }
}
