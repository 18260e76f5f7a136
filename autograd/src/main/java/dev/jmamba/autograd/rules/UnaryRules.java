package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.one;
import static dev.jmamba.autograd.rules.Grads.scalar;

import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;

/**
 * Backward rules of element-wise unary ops: {@code dx = dy * f'(x)}, with f' written from the
 * saved input x or output y, whichever is cheaper.
 */
public final class UnaryRules {
    private UnaryRules() {}


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

    /**
     * The smooth activations silu, gelu (exact), gelu (tanh form) and softplus: gy · f'(x) in one
     * backend pass ({@link dev.jmamba.tensor.Backend#unaryGrad}, formulas in
     * {@link UnaryOp#derivative}) instead of a chain of element-wise ops and temporaries. The
     * composed formulas are kept in the tests as the reference.
     */
    public static Rule silu(Tensor x) { return activation(UnaryOp.SILU, x, 0, 0); }

    /** y = x Φ(x) (exact GELU): Φ(x) + x φ(x). */
    public static Rule gelu(Tensor x) { return activation(UnaryOp.GELU, x, 0, 0); }

    /** y = x/2 (1 + tanh(u)), u = c (x + 0.044715 x³): (1 + t)/2 + x/2 (1 - t²) c (1 + 3·0.044715 x²). */
    public static Rule geluTanh(Tensor x) { return activation(UnaryOp.GELU_TANH, x, 0, 0); }

    /** softplus with beta and threshold: sigmoid(beta x) below the threshold, 1 in the linear region. */
    public static Rule softplus(Tensor x, double beta, double threshold) { return activation(UnaryOp.SOFTPLUS, x, beta, threshold); }

    private static Rule activation(UnaryOp op, Tensor x, double p0, double p1) {
        return (gy, n) -> one(x.backend().unaryGrad(op, x, gy, p0, p1));
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
