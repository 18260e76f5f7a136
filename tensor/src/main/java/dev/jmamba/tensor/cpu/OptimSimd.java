package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Updates.AdamwFactors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API version of the F32 AdamW step (loaded only when SIMD is on). Lane by lane it does
 * the operations of {@link OptimCpu#adamwF32} in the same order with the same float factors
 * (mul, add, sqrt and div are correctly rounded in both, and no fma is used), so the bits match.
 */
final class OptimSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private OptimSimd() {}

    /** Elements from {@code start} up to a whole number of vectors below {@code end}; returns where it stopped. */
    static int adamw(float[] p, int p0, float[] g, int g0, float[] m, int m0, float[] v, int v0, int start, int end, AdamwFactors f) {
        FloatVector decay = FloatVector.broadcast(S, (float) f.decay());
        FloatVector beta1 = FloatVector.broadcast(S, (float) f.beta1()), oneMinusBeta1 = FloatVector.broadcast(S, (float) f.oneMinusBeta1());
        FloatVector beta2 = FloatVector.broadcast(S, (float) f.beta2()), oneMinusBeta2 = FloatVector.broadcast(S, (float) f.oneMinusBeta2());
        FloatVector invSqrtBias2 = FloatVector.broadcast(S, (float) f.invSqrtBias2()), eps = FloatVector.broadcast(S, (float) f.eps());
        FloatVector stepSize = FloatVector.broadcast(S, (float) f.stepSize());
        int i = start;
        for (int upper = start + S.loopBound(end - start); i < upper; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, g0 + i);
            FloatVector mi = FloatVector.fromArray(S, m, m0 + i).mul(beta1).add(gi.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(S, v, v0 + i).mul(beta2).add(gi.mul(gi).mul(oneMinusBeta2));
            FloatVector denom = vi.sqrt().mul(invSqrtBias2).add(eps);
            mi.intoArray(m, m0 + i);
            vi.intoArray(v, v0 + i);
            FloatVector pi = FloatVector.fromArray(S, p, p0 + i).mul(decay);
            pi.sub(mi.div(denom).mul(stepSize)).intoArray(p, p0 + i);
        }
        return i;
    }
}
