package dev.jmamba.ssm.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise softplus and sigmoid for the scan's Vector API kernels. {@code lanewise(EXP)} is an
 * intrinsic (about 20 cycles per 16 lanes here), but {@code lanewise(LOG1P)} falls back to one
 * scalar call per lane (about 100 ns per vector, which made softplus the largest cost of the N = 1
 * scan), so log1p is computed here as 2·atanh(s), s = t / (2 + t), with an odd series in s.
 */
final class ScanMathSimd {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ScanMathSimd() {}

    /**
     * log1p(t) for 0 ≤ t ≤ 1: s = t / (2 + t) ≤ 1/3 and log1p(t) = 2 (s + s³/3 + … + s¹³/13); the
     * first omitted term is below 2·(1/3)¹⁵/15 ≈ 1e-8 relative. Measured ≤ 1.9 ulp against
     * Math.log1p over t = e^-30 .. 1.
     */
    static FloatVector log1pUnit(FloatVector t) {
        FloatVector s = t.div(t.add(2f)), s2 = s.mul(s);
        FloatVector p = FloatVector.broadcast(S, 2f / 13);
        p = p.fma(s2, FloatVector.broadcast(S, 2f / 11));
        p = p.fma(s2, FloatVector.broadcast(S, 2f / 9));
        p = p.fma(s2, FloatVector.broadcast(S, 2f / 7));
        p = p.fma(s2, FloatVector.broadcast(S, 2f / 5));
        p = p.fma(s2, FloatVector.broadcast(S, 2f / 3));
        return p.mul(s2).fma(s, s.add(s));
    }

    /**
     * e^x, inlined (the intrinsic is an out-of-line call that forces the live vectors of the scan
     * loop to be spilled around it). x = k·ln2 + r with k = round(x / ln2), |r| ≤ ln2 / 2 (ln2 split
     * in two parts so that r is exact to float precision), e^r by its degree-7 Taylor-like
     * polynomial (coefficients from the Cephes expf), 2^k built in the exponent bits. Inputs are
     * clamped to [−87.3, 88.3] (the normal float range; below, e^x is < 1.2e-38 instead of 0).
     * Measured ≤ 1 ulp against Math.exp over [−25, 5].
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-87.3f).min(88.3f);
        FloatVector k = xc.mul(1.44269504f).add(12582912f).sub(12582912f);     // round to nearest: 1.5·2^23
        FloatVector r = k.fma(FloatVector.broadcast(S, -0.693145752f), xc);
        r = k.fma(FloatVector.broadcast(S, -1.42860677e-6f), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);                                         // 1 + r + r² p(r)
        IntVector exponent = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(exponent.reinterpretAsFloats());
    }

    /** e^{-|x|}, the shared part of softplus and its derivative. */
    static FloatVector expNegAbs(FloatVector x) {
        return exp(x.abs().neg());
    }

    /**
     * softplus(x) = max(x, 0) + log1p(e^{-|x|}) given t = e^{-|x|}: equal to log1p(e^x) and, for
     * x > 20, to x in float32 (the added term is below 2e-9 while ulp(20) is 2e-6), as spec §2 asks.
     */
    static FloatVector softplus(FloatVector x, FloatVector t) {
        return x.max(0f).add(log1pUnit(t));
    }

    /** sigmoid(x) = d softplus / dx given t = e^{-|x|}: 1 / (1 + t) for x ≥ 0, t / (1 + t) below. */
    static FloatVector softplusGrad(FloatVector x, FloatVector t) {
        FloatVector onePlus = t.add(1f);
        return FloatVector.broadcast(S, 1f).blend(t, x.compare(VectorOperators.LT, 0f)).div(onePlus);
    }

    /** sigmoid(z) lane-wise. */
    static FloatVector sigmoid(FloatVector z) {
        return FloatVector.broadcast(S, 1f).div(exp(z.neg()).add(1f));
    }
}
