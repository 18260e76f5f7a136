package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise math that gives the same bits whether the JIT has compiled the Vector API code or not.
 * {@code lanewise(EXP)} and friends run the platform's vector math library once compiled but plain
 * {@code Math.exp} per lane before, and {@code reduceLanes(ADD)} may add lanes in any order — so a
 * run's results would depend on JIT timing (and resumed training would not be bit-identical). Only
 * add, multiply, fma and bit operations are used here: each is exactly rounded in both modes.
 */
public final class VectorMathSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorMathSimd() {}

    /**
     * e^x: x = k·ln2 + r with k = round(x / ln2), |r| ≤ ln2 / 2 (ln2 split in two parts so r is exact
     * in float), e^r by a degree-7 polynomial (the Cephes expf coefficients), 2^k built in the
     * exponent bits. Inputs clamped to [−87.3, 88.3] (below, the result is ~1e-38 instead of 0).
     * At most 1 ulp from Math.exp over [−25, 5] (measured).
     */
    public static FloatVector exp(FloatVector x) {
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

    /** 1 / (1 + e^{-x}). */
    public static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f));
    }

    /**
     * The standard normal CDF Φ(x) = ½(1 + erf(x/√2)) from the erfc approximation of Abramowitz and
     * Stegun 7.1.26 (erfc(z) ≈ t(a1 + t(a2 + t(a3 + t(a4 + t·a5))))·e^{−z²}, t = 1/(1 + p·z), z ≥ 0,
     * absolute error ≤ 1.5e-7), evaluated on z = |x|/√2 so that e^{−z²} = e^{−x²/2} is the Gaussian
     * factor the GELU derivative needs too (returned in {@code gaussOut[0]} when not null). Φ(x) = ½erfc(z)
     * for x &lt; 0 (no cancellation in the left tail), 1 − ½erfc(z) otherwise.
     */
    public static FloatVector normalCdf(FloatVector x, FloatVector[] gaussOut) {
        FloatVector z = x.abs().mul(0.70710678f);
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(FloatVector.broadcast(S, 0.3275911f), FloatVector.broadcast(S, 1f)));
        FloatVector p = FloatVector.broadcast(S, 1.061405429f);
        p = p.fma(t, FloatVector.broadcast(S, -1.453152027f));
        p = p.fma(t, FloatVector.broadcast(S, 1.421413741f));
        p = p.fma(t, FloatVector.broadcast(S, -0.284496736f));
        p = p.fma(t, FloatVector.broadcast(S, 0.254829592f));
        FloatVector gauss = exp(x.mul(x).mul(-0.5f));
        if (gaussOut != null) gaussOut[0] = gauss;
        FloatVector halfErfc = p.mul(t).mul(gauss).mul(0.5f);                  // ½erfc(|x|/√2) = Φ(−|x|)
        return FloatVector.broadcast(S, 1f).sub(halfErfc).blend(halfErfc, x.compare(VectorOperators.LT, 0f));
    }

    /** Exact GELU x·Φ(x) with {@link #normalCdf}. */
    public static FloatVector gelu(FloatVector x) {
        return x.mul(normalCdf(x, null));
    }

    /** d GELU / dx = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π), with {@link #normalCdf}. */
    public static FloatVector geluDerivative(FloatVector x) {
        FloatVector[] gauss = new FloatVector[1];
        FloatVector cdf = normalCdf(x, gauss);
        return x.mul(gauss[0]).fma(FloatVector.broadcast(S, 0.39894228f), cdf);
    }

    /**
     * d SiLU / dx = s·(1 + x·(1 − s)) with s = 1/(1 + t), t = e^{−x}, and 1 − s formed as t·s (no cancellation
     * where s → 1).
     */
    public static FloatVector siluDerivative(FloatVector x) {
        FloatVector t = exp(x.neg());
        FloatVector s = FloatVector.broadcast(S, 1f).div(t.add(1f));
        return x.mul(t.mul(s)).add(1f).mul(s);
    }

    /** Rotations by V/2, V/4, ..., 1 lanes for the fixed reduction tree of {@link #sumLanes}. */
    private static final VectorShuffle<Float>[] HALVES = halves();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int steps = Integer.numberOfTrailingZeros(S.length());
        VectorShuffle<Float>[] h = new VectorShuffle[steps];
        for (int i = 0, s = S.length() / 2; s >= 1; i++, s /= 2) h[i] = VectorShuffle.iota(S, s, 1, true);
        return h;
    }

    /**
     * Sum of the lanes by a fixed tree (lane i + lane i + V/2, then + V/4, ...): deterministic,
     * unlike {@code reduceLanes(ADD)}, whose order is unspecified for floats.
     */
    public static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> h : HALVES) v = v.add(v.rearrange(h));
        return v.lane(0);
    }
}
