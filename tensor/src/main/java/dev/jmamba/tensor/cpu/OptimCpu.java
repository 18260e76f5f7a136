package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates.AdamwFactors;
import dev.jmamba.tensor.Updates.SgdFactors;

/**
 * Fused in-place optimizer updates on the CPU: one pass over each parameter, split into blocks
 * across {@link Parallel}. F32 works in float (each factor rounded once from double, every
 * operation rounded to float, no fused multiply-add), F64 in double, in the order the
 * {@link dev.jmamba.tensor.Backend#adamwUpdate} comment gives; contiguous F32 blocks use
 * {@link OptimSimd} when SIMD is on, which computes the same bits lane by lane.
 */
final class OptimCpu {
    /** Elements per parallel block: an update is a few flops per element, so blocks must be big. */
    private static final int GRAIN = 1 << 15;

    private OptimCpu() {}

    private static Object arr(Tensor t) { return ElementwiseCpu.arr(t); }

    // ------------------------------------------------------------------ AdamW

    /** param, grad, m, v: (any) contiguous, one dtype; checked by {@link AdamwFactors#of}. */
    static void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamwFactors f) {
        int n = param.numel(), po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        if (param.dtype() == DType.F32) {
            float[] p = (float[]) arr(param), g = (float[]) arr(grad), ma = (float[]) arr(m), va = (float[]) arr(v);
            boolean simd = SimdSupport.ENABLED;
            Parallel.forBlocks(n, GRAIN, (start, end) -> {
                int done = simd ? OptimSimd.adamw(p, po, g, go, ma, mo, va, vo, start, end, f) : start;
                adamwF32(p, po, g, go, ma, mo, va, vo, done, end, f);
            });
        } else {
            double[] p = (double[]) arr(param), g = (double[]) arr(grad), ma = (double[]) arr(m), va = (double[]) arr(v);
            Parallel.forBlocks(n, GRAIN, (start, end) -> adamwF64(p, po, g, go, ma, mo, va, vo, start, end, f));
        }
    }

    /** Elements [start, end) of an F32 AdamW step (arrays at their tensor offsets p0, g0, m0, v0). */
    static void adamwF32(float[] p, int p0, float[] g, int g0, float[] m, int m0, float[] v, int v0, int start, int end, AdamwFactors f) {
        float decay = (float) f.decay(), beta1 = (float) f.beta1(), oneMinusBeta1 = (float) f.oneMinusBeta1();
        float beta2 = (float) f.beta2(), oneMinusBeta2 = (float) f.oneMinusBeta2();
        float invSqrtBias2 = (float) f.invSqrtBias2(), eps = (float) f.eps(), stepSize = (float) f.stepSize();
        for (int i = start; i < end; i++) {
            float gi = g[g0 + i];
            float mi = m[m0 + i] * beta1 + gi * oneMinusBeta1;
            float vi = v[v0 + i] * beta2 + (gi * gi) * oneMinusBeta2;
            // sqrt of a float computed in double and rounded to float is the correctly rounded float sqrt
            float denom = (float) Math.sqrt(vi) * invSqrtBias2 + eps;
            m[m0 + i] = mi;
            v[v0 + i] = vi;
            p[p0 + i] = p[p0 + i] * decay - (mi / denom) * stepSize;
        }
    }

    /** Elements [start, end) of an F64 AdamW step. */
    static void adamwF64(double[] p, int p0, double[] g, int g0, double[] m, int m0, double[] v, int v0, int start, int end, AdamwFactors f) {
        double decay = f.decay(), beta1 = f.beta1(), oneMinusBeta1 = f.oneMinusBeta1(), beta2 = f.beta2(), oneMinusBeta2 = f.oneMinusBeta2();
        double invSqrtBias2 = f.invSqrtBias2(), eps = f.eps(), stepSize = f.stepSize();
        for (int i = start; i < end; i++) {
            double gi = g[g0 + i];
            double mi = m[m0 + i] * beta1 + gi * oneMinusBeta1;
            double vi = v[v0 + i] * beta2 + (gi * gi) * oneMinusBeta2;
            double denom = Math.sqrt(vi) * invSqrtBias2 + eps;
            m[m0 + i] = mi;
            v[v0 + i] = vi;
            p[p0 + i] = p[p0 + i] * decay - (mi / denom) * stepSize;
        }
    }

    // ------------------------------------------------------------------ SGD

    /** param, grad, buf (or null): (any) contiguous, one dtype; checked by {@link SgdFactors#of}. */
    static void sgd(Tensor param, Tensor grad, Tensor buf, SgdFactors f) {
        int n = param.numel(), po = param.offset(), go = grad.offset(), bo = buf == null ? 0 : buf.offset();
        if (param.dtype() == DType.F32) {
            float[] p = (float[]) arr(param), g = (float[]) arr(grad), b = buf == null ? null : (float[]) arr(buf);
            Parallel.forBlocks(n, GRAIN, (start, end) -> sgdF32(p, po, g, go, b, bo, start, end, f));
        } else {
            double[] p = (double[]) arr(param), g = (double[]) arr(grad), b = buf == null ? null : (double[]) arr(buf);
            Parallel.forBlocks(n, GRAIN, (start, end) -> sgdF64(p, po, g, go, b, bo, start, end, f));
        }
    }

    /** Elements [start, end) of an F32 SGD step; {@code b} is null without momentum. */
    static void sgdF32(float[] p, int p0, float[] g, int g0, float[] b, int b0, int start, int end, SgdFactors f) {
        float lr = (float) f.lr(), momentum = (float) f.momentum(), oneMinusDampening = (float) f.oneMinusDampening();
        float weightDecay = (float) f.weightDecay();
        boolean decayed = f.decayed(), hasBuffer = f.hasBuffer(), nesterov = f.nesterov(), first = f.firstStep();
        for (int i = start; i < end; i++) {
            float pi = p[p0 + i];
            float d = decayed ? g[g0 + i] + pi * weightDecay : g[g0 + i];
            if (hasBuffer) {
                float bi = first ? d : b[b0 + i] * momentum + d * oneMinusDampening;
                b[b0 + i] = bi;
                d = nesterov ? d + bi * momentum : bi;
            }
            p[p0 + i] = pi - d * lr;
        }
    }

    /** Elements [start, end) of an F64 SGD step; {@code b} is null without momentum. */
    static void sgdF64(double[] p, int p0, double[] g, int g0, double[] b, int b0, int start, int end, SgdFactors f) {
        double lr = f.lr(), momentum = f.momentum(), oneMinusDampening = f.oneMinusDampening(), weightDecay = f.weightDecay();
        boolean decayed = f.decayed(), hasBuffer = f.hasBuffer(), nesterov = f.nesterov(), first = f.firstStep();
        for (int i = start; i < end; i++) {
            double pi = p[p0 + i];
            double d = decayed ? g[g0 + i] + pi * weightDecay : g[g0 + i];
            if (hasBuffer) {
                double bi = first ? d : b[b0 + i] * momentum + d * oneMinusDampening;
                b[b0 + i] = bi;
                d = nesterov ? d + bi * momentum : bi;
            }
            p[p0 + i] = pi - d * lr;
        }
    }
}
