package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.one;
import static dev.jmamba.autograd.rules.Grads.scalar;

import dev.jmamba.tensor.Tensor;

/**
 * Backward rules of element-wise unary ops: {@code dx = dy * f'(x)}, with f' written from the
 * saved input x or output y, whichever is cheaper.
 */
public final class UnaryRules {
    private UnaryRules() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /** y = x * scale + shift. */
    public static Rule affine(double scale) { return (gy, n) -> one(scale == 1 ? gy : gy.mul(scale)); }

    public static Rule neg() { return (gy, n) -> one(gy.neg()); }

    /** y = exp(x): dy/dx = y. */
    public static Rule exp(Tensor y) { return (gy, n) -> one(gy.mul(y)); }

    /** y = log(x): 1/x. */
    public static Rule log(Tensor x) { return (gy, n) -> one(gy.div(x)); }

    /** y = sqrt(x): 1/(2y). */
    public static Rule sqrt(Tensor y) { return (gy, n) -> one(gy.div(y).mul(0.5)); }

    /** y = x^(-1/2): -y³/2. */
    public static Rule rsqrt(Tensor y) { return (gy, n) -> one(gy.mul(y.square().mul(y)).mul(-0.5)); }

    /** y = tanh(x): 1 - y². */
    public static Rule tanh(Tensor y) { return (gy, n) -> one(gy.mul(y.square().neg().add(1))); }

    /** y = sigmoid(x): y (1 - y). */
    public static Rule sigmoid(Tensor y) { return (gy, n) -> one(gy.mul(y.mul(y.neg().add(1)))); }

    /** y = x sigmoid(x): s (1 + x (1 - s)). */
    public static Rule silu(Tensor x) {
        return (gy, n) -> {
            Tensor s = x.sigmoid();
            return one(gy.mul(s.mul(x.mul(s.neg().add(1)).add(1))));
        };
    }

    /**
     * y = x Φ(x) (exact GELU): Φ(x) + x φ(x). The tensor layer has no erf op, so Φ(x) is taken
     * as gelu(x) / x (exact up to rounding), with Φ(0) = 1/2 where x = 0.
     */
    public static Rule gelu(Tensor x) {
        return (gy, n) -> {
            Tensor cdf = Tensor.where(x.eq(scalar(x, 0)), scalar(x, 0.5), x.gelu().div(x));
            Tensor pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
            return one(gy.mul(cdf.add(x.mul(pdf))));
        };
    }

    /** y = x/2 (1 + tanh(u)), u = c (x + 0.044715 x³): (1 + t)/2 + x/2 (1 - t²) c (1 + 3·0.044715 x²). */
    public static Rule geluTanh(Tensor x) {
        return (gy, n) -> {
            Tensor x2 = x.square();
            Tensor t = x.mul(x2.mul(0.044715).add(1)).mul(SQRT_2_OVER_PI).tanh();
            Tensor du = x2.mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI);
            Tensor d = t.add(1).mul(0.5).add(x.mul(0.5).mul(t.square().neg().add(1)).mul(du));
            return one(gy.mul(d));
        };
    }

    /** softplus with beta and threshold: sigmoid(beta x) below the threshold, 1 in the linear region. */
    public static Rule softplus(Tensor x, double beta, double threshold) {
        return (gy, n) -> {
            Tensor bx = x.mul(beta);
            Tensor d = Tensor.where(bx.gt(scalar(x, threshold)), scalar(x, 1), bx.sigmoid());
            return one(gy.mul(d));
        };
    }

    /** y = |x|: sign(x) (0 at 0, as in PyTorch). */
    public static Rule abs(Tensor x) { return (gy, n) -> one(gy.mul(x.sign())); }

    /** y = clamp(x, min, max): 1 where min <= x <= max, else 0 (PyTorch's convention at the edges). */
    public static Rule clamp(Tensor x, double min, double max) {
        return (gy, n) -> one(gy.mul(x.ge(scalar(x, min)).mul(x.le(scalar(x, max)))));
    }

    /** y = max(x, 0): 1 where x > 0 (0 at 0). */
    public static Rule relu(Tensor x) { return (gy, n) -> one(gy.mul(x.gt(scalar(x, 0)))); }

    /** y = x²: 2x. */
    public static Rule square(Tensor x) { return (gy, n) -> one(gy.mul(x).mul(2)); }

    /** y = x^p: p x^(p-1). */
    public static Rule pow(Tensor x, double p) {
        return (gy, n) -> one(p == 0 ? gy.mul(0) : gy.mul(x.pow(p - 1)).mul(p));
    }

    /** y = 1/x: -y². */
    public static Rule reciprocal(Tensor y) { return (gy, n) -> one(gy.mul(y.square()).neg()); }

    public static Rule sin(Tensor x) { return (gy, n) -> one(gy.mul(x.cos())); }

    public static Rule cos(Tensor x) { return (gy, n) -> one(gy.mul(x.sin()).neg()); }

    /** y = log(1 + x): 1/(1 + x). */
    public static Rule log1p(Tensor x) { return (gy, n) -> one(gy.div(x.add(1))); }

    /** y = exp(x) - 1: y + 1. */
    public static Rule expm1(Tensor y) { return (gy, n) -> one(gy.mul(y.add(1))); }
}
