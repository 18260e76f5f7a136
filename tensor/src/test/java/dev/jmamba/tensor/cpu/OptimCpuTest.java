package dev.jmamba.tensor.cpu;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Profile;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates;
import dev.jmamba.tensor.Updates.AdamwFactors;
import dev.jmamba.tensor.testing.RandomTensors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused optimizer updates on the CPU against the chains of tensor ops AdamW and Sgd ran
 * before ("composed", written here exactly as they were) and against plain float64 loops.
 *
 * <p>F64: the fused pass does the composed chain's operations in the same order, so the results
 * are equal (the composed chain's extra {@code + 0} of {@code mul(s)} only flips the sign of an
 * exact zero, which {@code ==} ignores): tolerance 0. F32: the composed chain's {@code mul(s)}
 * rounds {@code x·s} with s in double on scalar tails but with s in float on SIMD rows, so it
 * is not one well-defined float formula; the fused pass always uses float factors. Both round
 * each of ~6 operations once (relative 2^-24 ≈ 6e-8 each) on values of order 1, hence atol and
 * rtol 1e-6. The F32 SIMD path must equal the scalar loop bit for bit (same ops, same order).
 */
class OptimCpuTest {
    /** Odd, above the parallel grain (2^15), so blocks, SIMD rows and scalar tails all run. */
    private static final int N = 70_001;
    private static final double LR = 1e-3, BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    /** Seeded values in [low, high) as a 1-D tensor of {@code dtype} that starts at element {@code offset} of its storage. */
    private static Tensor values(long seed, int n, int offset, double low, double high, DType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[n + offset];
        for (int i = 0; i < v.length; i++) v[i] = low + (high - low) * random.nextDouble();
        return RandomTensors.tensor(v, dtype, Device.CPU, n + offset).narrow(0, offset, n);
    }

    /** AdamW as it was composed from tensor ops before the fused primitive. */
    private static void composedAdamw(Tensor value, Tensor grad, Tensor m, Tensor v, long t, double lr, double weightDecay) {
        if (weightDecay != 0) value.copyFrom(value.mul(1 - lr * weightDecay));
        m.copyFrom(m.mul(BETA1).add(grad.mul(1 - BETA1)));
        v.copyFrom(v.mul(BETA2).add(grad.square().mul(1 - BETA2)));
        double bias1 = 1 - Math.pow(BETA1, t), bias2 = 1 - Math.pow(BETA2, t);
        Tensor denom = v.sqrt().div(Math.sqrt(bias2)).add(EPS);
        value.copyFrom(value.sub(m.div(denom).mul(lr / bias1)));
    }

    /** Sgd (dampening 0) as it was composed from tensor ops; buf null without momentum. */
    private static void composedSgd(Tensor value, Tensor grad, Tensor buf, double lr, double momentum, double weightDecay, boolean nesterov) {
        Tensor d = weightDecay == 0 ? grad : grad.add(value.mul(weightDecay));
        if (buf != null) {
            buf.copyFrom(buf.mul(momentum).add(d));
            d = nesterov ? d.add(buf.mul(momentum)) : buf;
        }
        value.copyFrom(value.sub(d.mul(lr)));
    }

    /** The four AdamW operands for a seed: p, g in [-1, 1), m in [-0.1, 0.1), v in [0.01, 1) (so m / sqrt(v) stays of order 1). */
    private static Tensor[] adamwOperands(long seed, DType dtype, int offset) {
        return new Tensor[] {values(seed, N, offset, -1, 1, dtype), values(seed + 1, N, offset + 1, -1, 1, dtype),
                values(seed + 2, N, offset + 2, -0.1, 0.1, dtype), values(seed + 3, N, offset, 0.01, 1, dtype)};
    }

    private static Tensor[] copies(Tensor[] ts) {
        Tensor[] out = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) out[i] = ts[i] == null ? null : ts[i].copy();
        return out;
    }

    @Test
    void adamwEqualsTheComposedFormula() {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            double tol = dtype == DType.F64 ? 0 : 1e-6;
            for (double wd : new double[] {0, 0.05}) {
                for (long t : new long[] {1, 7}) {
                    String what = dtype + " wd=" + wd + " t=" + t;
                    Tensor[] fused = adamwOperands(10 * t, dtype, 3), composed = copies(fused);
                    Updates.adamw(fused[0], fused[1], fused[2], fused[3], LR, BETA1, BETA2, EPS, wd, 1 - Math.pow(BETA1, t), 1 - Math.pow(BETA2, t));
                    composedAdamw(composed[0], composed[1], composed[2], composed[3], t, LR, wd);
                    assertClose(composed[2], fused[2], tol, tol, what + " exp_avg");
                    assertClose(composed[3], fused[3], tol, tol, what + " exp_avg_sq");
                    assertClose(composed[0], fused[0], tol, tol, what + " param");
                    assertArrayEquals(composed[1].toDoubleArray(), fused[1].toDoubleArray(), what + ": grad is read only");
                }
            }
        }
    }

    @Test
    void adamwMatchesAFloat64Loop() {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            // F64: a different order of the same operations (division by sqrt(bc2) instead of a
            // product with its reciprocal) moves results by a few ulps of 1; F32: as the class comment
            double tol = dtype == DType.F64 ? 1e-14 : 1e-6;
            Tensor[] fused = adamwOperands(77, dtype, 0);
            double[] p = fused[0].toDoubleArray(), g = fused[1].toDoubleArray(), m = fused[2].toDoubleArray(), v = fused[3].toDoubleArray();
            long t = 3;
            double wd = 0.1, bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
            for (int i = 0; i < N; i++) {
                p[i] -= LR * wd * p[i];
                m[i] = BETA1 * m[i] + (1 - BETA1) * g[i];
                v[i] = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
                p[i] -= LR / bc1 * m[i] / (Math.sqrt(v[i] / bc2) + EPS);
            }
            Updates.adamw(fused[0], fused[1], fused[2], fused[3], LR, BETA1, BETA2, EPS, wd, bc1, bc2);
            assertClose(m, fused[2].toDoubleArray(), tol, tol, dtype + " exp_avg");
            assertClose(v, fused[3].toDoubleArray(), tol, tol, dtype + " exp_avg_sq");
            assertClose(p, fused[0].toDoubleArray(), tol, tol, dtype + " param");
        }
    }

    @Test
    void adamwF32SimdRowsEqualTheScalarLoopBitForBit() {
        Tensor[] fused = adamwOperands(5, DType.F32, 0);
        float[] p = fused[0].toFloatArray(), g = fused[1].toFloatArray(), m = fused[2].toFloatArray(), v = fused[3].toFloatArray();
        double bc1 = 1 - Math.pow(BETA1, 2), bc2 = 1 - Math.pow(BETA2, 2);
        AdamwFactors f = AdamwFactors.of(fused[0], fused[1], fused[2], fused[3], LR, BETA1, BETA2, EPS, 0.02, bc1, bc2);
        OptimCpu.adamwF32(p, 0, g, 0, m, 0, v, 0, 0, N, f);
        Updates.adamw(fused[0], fused[1], fused[2], fused[3], LR, BETA1, BETA2, EPS, 0.02, bc1, bc2);
        assertArrayEquals(m, fused[2].toFloatArray(), "exp_avg (SIMD " + SimdSupport.ENABLED + ")");
        assertArrayEquals(v, fused[3].toFloatArray(), "exp_avg_sq (SIMD " + SimdSupport.ENABLED + ")");
        assertArrayEquals(p, fused[0].toFloatArray(), "param (SIMD " + SimdSupport.ENABLED + ")");
    }

    @Test
    void sgdEqualsTheComposedFormula() {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            double tol = dtype == DType.F64 ? 0 : 1e-6;
            for (double wd : new double[] {0, 0.01}) {
                for (double momentum : new double[] {0, 0.9}) {
                    for (boolean nesterov : momentum == 0 ? new boolean[] {false} : new boolean[] {false, true}) {
                        for (boolean first : momentum == 0 ? new boolean[] {false} : new boolean[] {true, false}) {
                            String what = dtype + " wd=" + wd + " momentum=" + momentum + " nesterov=" + nesterov + " first=" + first;
                            Tensor p = values(1, N, 2, -1, 1, dtype), g = values(2, N, 0, -1, 1, dtype);
                            // the composed chain started from a zero buffer; the fused first step ignores the buffer
                            Tensor buf = momentum == 0 ? null : first ? Tensor.zeros(dtype, Device.CPU, N) : values(3, N, 1, -1, 1, dtype);
                            Tensor[] fused = {p, g, buf}, composed = copies(fused);
                            if (first) fused[2] = values(4, N, 0, -1, 1, dtype);  // garbage the first step must overwrite
                            Updates.sgd(fused[0], fused[1], fused[2], 0.1, momentum, 0, wd, nesterov, first);
                            composedSgd(composed[0], composed[1], composed[2], 0.1, momentum, wd, nesterov);
                            assertClose(composed[0], fused[0], tol, tol, what + " param");
                            if (buf != null) assertClose(composed[2], fused[2], tol, tol, what + " momentum_buffer");
                        }
                    }
                }
            }
        }
    }

    @Test
    void sgdDampeningMatchesAFloat64Loop() {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            double tol = dtype == DType.F64 ? 0 : 1e-6;  // F64: the same operations in the same order; F32: as the class comment
            Tensor p = values(11, N, 0, -1, 1, dtype), g = values(12, N, 0, -1, 1, dtype), buf = values(13, N, 0, -1, 1, dtype);
            double[] pe = p.toDoubleArray(), ge = g.toDoubleArray(), be = buf.toDoubleArray();
            double lr = 0.05, mu = 0.8, dampening = 0.3, wd = 0.02;
            for (int i = 0; i < N; i++) {
                double d = ge[i] + wd * pe[i];
                be[i] = mu * be[i] + (1 - dampening) * d;
                pe[i] -= lr * (d + mu * be[i]);
            }
            Updates.sgd(p, g, buf, lr, mu, dampening, wd, true, false);
            assertClose(be, buf.toDoubleArray(), tol, tol, dtype + " momentum_buffer");
            assertClose(pe, p.toDoubleArray(), tol, tol, dtype + " param");
        }
    }

    @Test
    void emptyAndMultiDimensionalTensorsWork() {
        Tensor p = Tensor.zeros(DType.F32, Device.CPU, 0, 3);
        Updates.adamw(p, p.copy(), p.copy(), p.copy(), LR, BETA1, BETA2, EPS, 0, 0.1, 0.001);
        Tensor q = values(8, 24, 0, -1, 1, DType.F64).reshape(2, 3, 4), g = values(9, 24, 0, -1, 1, DType.F64).reshape(2, 3, 4);
        double[] expected = q.sub(g.mul(0.5)).toDoubleArray();
        Updates.sgd(q, g, null, 0.5, 0, 0, 0, false, false);
        assertArrayEquals(expected, q.toDoubleArray());
    }

    @Test
    void theProfilerNamesTheUpdates() {
        Tensor[] ops = adamwOperands(3, DType.F32, 0);
        Profiler.start();
        Updates.adamw(ops[0], ops[1], ops[2], ops[3], LR, BETA1, BETA2, EPS, 0, 0.1, 0.001);
        Updates.sgd(ops[0], ops[1], ops[2], LR, 0.9, 0, 0, false, true);
        Profile profile = Profiler.stop();
        assertNotNull(profile.entry("adamw_update"), "adamw_update in the profile");
        assertEquals(1, profile.entry("adamw_update").calls());
        assertEquals(1, profile.entry("sgd_update").calls());
    }
}
