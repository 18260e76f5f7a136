package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of {@link VecKernels} (same contracts). Loop bounds are multiples of the
 * species length so C2 drops per-element checks; a scalar tail finishes. Use only when
 * {@link SimdSupport#ENABLED}.
 */
public final class VecKernelsSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements summed in float vectors before the partial sum moves to double. */
    private static final int SUM_BLOCK = 1024;

    private VecKernelsSimd() {}

    /** out = a + b over (n) windows. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        VecKernels.checkRanges("add", a, aOff, b, bOff, out, oOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) out[oOff + i] = a[aOff + i] + b[bOff + i];
    }

    /** out = a * b over (n) windows. */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        VecKernels.checkRanges("mul", a, aOff, b, bOff, out, oOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, aOff + i).mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) out[oOff + i] = a[aOff + i] * b[bOff + i];
    }

    /**
     * Sum of a[off .. off+n): blocks of {@value #SUM_BLOCK} elements are summed in two float vector
     * accumulators (each lane sees at most SUM_BLOCK / (2L) terms), each block total is added in double.
     */
    public static double sum(float[] a, int off, int n) {
        VecKernels.checkRange("sum", "a", a, off, n);
        double total = 0;
        int i = 0;
        for (int blockEnd = n - n % SUM_BLOCK; i < blockEnd; i += SUM_BLOCK) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (int j = i; j < i + SUM_BLOCK; j += 2 * L) {
                s0 = s0.add(FloatVector.fromArray(S, a, off + j));
                s1 = s1.add(FloatVector.fromArray(S, a, off + j + L));
            }
            total += VectorMathSimd.sumLanes(s0.add(s1));
        }
        for (; i < n; i++) total += a[off + i];
        return total;
    }
}
