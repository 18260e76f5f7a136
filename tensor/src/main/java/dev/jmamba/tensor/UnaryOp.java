package dev.jmamba.tensor;

/**
 * Element-wise unary ops. Some take parameters {@code p0, p1}: {@code AFFINE} computes
 * {@code x*p0 + p1}; {@code CLAMP} clamps to [p0, p1]; {@code POW} raises to p0;
 * {@code SOFTPLUS} is {@code log1p(exp(p0*x))/p0} below the threshold {@code p1} (in units of
 * p0*x) and {@code x} above it, as PyTorch and the Mamba kernel do.
 */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, SILU, GELU, GELU_TANH, SOFTPLUS, ABS, SIGN, CLAMP,
    RELU, SQUARE, RECIPROCAL, POW, SIN, COS, LOG1P, EXPM1, AFFINE,
    /** 1 where x is NaN or infinite, else 0. */
    NONFINITE;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /** Applies the op to one value in double precision (the reference semantics). */
    public double apply(double x, double p0, double p1) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case SILU -> x * sigmoid(x);
            case GELU -> 0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0)));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case SOFTPLUS -> (x * p0 > p1) ? x : Math.log1p(Math.exp(x * p0)) / p0;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case CLAMP -> Math.min(Math.max(x, p0), p1);
            case RELU -> x > 0 ? x : 0.0;
            case SQUARE -> x * x;
            case RECIPROCAL -> 1.0 / x;
            case POW -> Math.pow(x, p0);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case LOG1P -> Math.log1p(x);
            case EXPM1 -> Math.expm1(x);
            case AFFINE -> x * p0 + p1;
            case NONFINITE -> Double.isFinite(x) ? 0.0 : 1.0;
        };
    }

    /** The ops {@link #derivative} and {@code Backend.unaryGrad} cover: the smooth activations. */
    public boolean hasFusedGradient() {
        return switch (this) {
            case TANH, SIGMOID, SILU, GELU, GELU_TANH, SOFTPLUS -> true;
            default -> false;
        };
    }

    /**
     * d op(x) / dx in double precision, for the ops where {@link #hasFusedGradient()} (the reference
     * of the fused activation backward): tanh 1 − tanh²; sigmoid s(1 − s); silu s(1 + x(1 − s));
     * gelu Φ(x) + x φ(x); gelu-tanh ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²); softplus
     * sigmoid(p0·x) below the threshold p1 (in units of p0·x), 1 above.
     */
    public double derivative(double x, double p0, double p1) {
        return switch (this) {
            case TANH -> {
                double t = Math.tanh(x);
                yield 1 - t * t;
            }
            case SIGMOID -> {
                double s = sigmoid(x);
                yield s * (1 - s);
            }
            case SILU -> {
                double s = sigmoid(x);
                yield s * (1 + x * (1 - s));
            }
            case GELU -> 0.5 * (1.0 + Erf.erf(x / Math.sqrt(2.0))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH -> {
                double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
            }
            case SOFTPLUS -> x * p0 > p1 ? 1.0 : sigmoid(x * p0);
            default -> throw new TensorException("unaryGrad", "tanh, sigmoid, silu, gelu, gelu_tanh or softplus", name());
        };
    }

    /** Logistic sigmoid, stable for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
