package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of the contiguous F32 element-wise loops (loaded only when SIMD is on). Only
 * ops whose vector form is bit-identical before and after JIT compilation are here (see
 * {@link VectorMathSimd}); log and tanh stay scalar for that reason.
 */
final class ElementwiseSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ElementwiseSimd() {}

    static boolean supports(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, MAX, MIN -> true;
            default -> false;
        };
    }

    static boolean supports(UnaryOp op) {
        return switch (op) {
            case NEG, EXP, SIGMOID, SILU, GELU, AFFINE, SQUARE, RELU, SQRT, ABS, RECIPROCAL, RSQRT -> true;
            default -> false;
        };
    }

    /** out[i] = a[i] op b[i], or a[i] op b[bo] when {@code bScalar}. Returns how many were done. */
    static int binary(BinaryOp op, float[] a, int ao, float[] b, int bo, boolean bScalar, float[] out, int oo, int n) {
        int upper = S.loopBound(n);
        FloatVector bs = bScalar ? FloatVector.broadcast(S, b[bo]) : null;
        for (int i = 0; i < upper; i += S.length()) {
            FloatVector va = FloatVector.fromArray(S, a, ao + i);
            FloatVector vb = bScalar ? bs : FloatVector.fromArray(S, b, bo + i);
            FloatVector r = switch (op) {
                case ADD -> va.add(vb);
                case SUB -> va.sub(vb);
                case MUL -> va.mul(vb);
                case DIV -> va.div(vb);
                case MAX -> va.max(vb);
                case MIN -> va.min(vb);
                default -> throw new IllegalStateException(op.name());
            };
            r.intoArray(out, oo + i);
        }
        return upper;
    }

    /** out[i] = op(x[i]) for the supported ops. Returns how many were done. */
    static int unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n, float p0, float p1) {
        int upper = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector r = switch (op) {
                case NEG -> v.neg();
                case EXP -> VectorMathSimd.exp(v);
                case SIGMOID -> VectorMathSimd.sigmoid(v);
                case SILU -> v.div(one.add(VectorMathSimd.exp(v.neg())));
                case GELU -> VectorMathSimd.gelu(v);
                case AFFINE -> v.fma(FloatVector.broadcast(S, p0), FloatVector.broadcast(S, p1));
                case SQUARE -> v.mul(v);
                case RELU -> v.max(0f);
                case SQRT -> v.sqrt();
                case ABS -> v.abs();
                case RECIPROCAL -> one.div(v);
                case RSQRT -> one.div(v.sqrt());
                default -> throw new IllegalStateException(op.name());
            };
            r.intoArray(out, oo + i);
        }
        return upper;
    }

    /** Ops whose fused backward {@link #unaryGrad} has a vector form. */
    static boolean supportsGrad(UnaryOp op) { return op == UnaryOp.GELU || op == UnaryOp.SILU; }

    /** out[i] = gy[i]·op'(x[i]) for the ops of {@link #supportsGrad}. Returns how many were done. */
    static int unaryGrad(UnaryOp op, float[] x, int xo, float[] gy, int go, float[] out, int oo, int n) {
        if (!supportsGrad(op)) throw new IllegalStateException(op.name());
        int upper = S.loopBound(n);
        for (int i = 0; i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector d = op == UnaryOp.GELU ? VectorMathSimd.geluDerivative(v) : VectorMathSimd.siluDerivative(v);
            d.mul(FloatVector.fromArray(S, gy, go + i)).intoArray(out, oo + i);
        }
        return upper;
    }

    /** Sum of a[ao .. ao+n) with float lanes (pairwise-ish: per-lane partial sums), then tail in double. */
    static double sum(float[] a, int ao, int n) {
        int upper = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        double total = 0;
        int block = S.length() * 256;
        int i = 0;
        while (i < upper) {
            int end = Math.min(upper, i + block);
            for (; i < end; i += S.length()) acc = acc.add(FloatVector.fromArray(S, a, ao + i));
            total += VectorMathSimd.sumLanes(acc);
            acc = FloatVector.zero(S);
        }
        for (; i < n; i++) total += a[ao + i];
        return total;
    }
}
