package dev.jmamba.autograd.rules;

import dev.jmamba.tensor.Tensor;

/**
 * Backward rules of layer norm and RMS norm over the last dim, written from the statistics the
 * forward kernel saved. With x̂ the normalised input, r = rstd and g = dy · weight (or dy):
 * <pre>
 *   layerNorm: dx = r (g - mean(g) - x̂ mean(g x̂))     dweight = Σ dy x̂   dbias = Σ dy
 *   rmsNorm:   dx = r (g - x̂ mean(g x̂))               dweight = Σ dy x̂
 * </pre>
 * where mean is over the last dim and Σ over all other dims.
 */
public final class NormRules {
    private NormRules() {}

    /**
     * Inputs (x, weight, bias): x (..., C), weight and bias (C) or null; mean and rstd x.shape[:-1]
     * as returned by the backend's layerNorm.
     */
    public static Rule layerNorm(Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        return (gy, needs) -> {
            // one fused pass (Backend#layerNormBackward); layerNormComposite below is its reference
            Tensor[] g = x.backend().layerNormBackward(gy, x, mean, rstd, weight, needs[0], needs[1] || needs[2]);
            return new Tensor[] {g[0], needs[1] ? g[1] : null, needs[2] ? g[2] : null};
        };
    }

    /**
     * Inputs (x, weight, bias) of {@code layerNormForProducts} under autocast: xhat (..., C) bf16 and rstd
     * x.shape[:-1] float32 as returned by the backend's layerNormBf16 (x itself is not kept).
     */
    public static Rule layerNormBf16(Tensor xhat, Tensor weight, Tensor rstd) {
        return (gy, needs) -> {
            Tensor[] g = xhat.backend().layerNormBf16Backward(gy, xhat, rstd, weight, needs[0], needs[1] || needs[2]);
            return new Tensor[] {g[0], needs[1] ? g[1] : null, needs[2] ? g[2] : null};
        };
    }

    /** The layerNorm rule composed of tensor ops (the formula above, term by term): the fused kernel's reference. */
    public static Rule layerNormComposite(Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        int c = x.size(-1);
        return (gy, needs) -> {
            Tensor r = rstd.unsqueeze(-1);                               // (..., 1)
            Tensor xhat = x.sub(mean.unsqueeze(-1)).mul(r);              // (..., C)
            Tensor g = weight == null ? gy : gy.mul(weight);
            Tensor gx = null;
            if (needs[0]) {
                gx = g.sub(g.mean(true, -1)).sub(xhat.mul(g.mul(xhat).mean(true, -1))).mul(r);
            }
            return new Tensor[] {gx, needs[1] ? gy.mul(xhat).sumTo(c) : null, needs[2] ? gy.sumTo(c) : null};
        };
    }

    /** Inputs (x, weight): x (..., C), weight (C) or null; rstd x.shape[:-1] from the backend's rmsNorm. */
    public static Rule rmsNorm(Tensor x, Tensor weight, Tensor rstd) {
        int c = x.size(-1);
        return (gy, needs) -> {
            Tensor r = rstd.unsqueeze(-1);                               // (..., 1)
            Tensor xhat = x.mul(r);                                      // (..., C)
            Tensor g = weight == null ? gy : gy.mul(weight);
            Tensor gx = needs[0] ? g.sub(xhat.mul(g.mul(xhat).mean(true, -1))).mul(r) : null;
            return new Tensor[] {gx, needs[1] ? gy.mul(xhat).sumTo(c) : null};
        };
    }
}
