package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Interleaves 8 steps of three rows in registers (256-bit vectors), for packing an untransposed A into the 3-row panels
 * of {@link SgemmSimd3}: step p of a panel is {@code (a0[p], a1[p], a2[p])}. Output float f of the 24 is row f % 3 at
 * step f / 3, so each of the three output vectors takes the same lane permutation of all three rows and two blends
 * pick each lane's row. The scalar loop took 777 us of a 24 ms 1024³ product on one Zen 4 core (AVX2 emulated; issue
 * 22, GEMM-NOTES.md 2026-12-06 #18). Loaded only when {@link SimdSupport#ENABLED}; {@link Transpose8#USABLE} says
 * whether the machine has 256-bit vectors.
 */
final class Interleave3 {
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    // static final fields, not arrays, so that C2 sees them as constants
    private static final VectorShuffle<Float> STEP0 = steps(0), STEP1 = steps(1), STEP2 = steps(2);
    private static final VectorMask<Float> ROW1_0 = rows(0, 1), ROW1_1 = rows(1, 1), ROW1_2 = rows(2, 1);
    private static final VectorMask<Float> ROW2_0 = rows(0, 2), ROW2_1 = rows(1, 2), ROW2_2 = rows(2, 2);

    private Interleave3() {}

    /**
     * {@code dst[d + 3*p + r] = alpha * row_r[p]} for p in [0, 8), r in [0, 3), row r starting at {@code src[s + r*ld]}.
     *
     * @param src three rows (3, 8) from s, row stride ld
     * @param dst 24 floats from d: (8, 3)
     */
    static void block(float[] src, int s, int ld, float alpha, float[] dst, int d) {
        FloatVector r0 = FloatVector.fromArray(S8, src, s).mul(alpha);
        FloatVector r1 = FloatVector.fromArray(S8, src, s + ld).mul(alpha);
        FloatVector r2 = FloatVector.fromArray(S8, src, s + 2 * ld).mul(alpha);
        r0.rearrange(STEP0).blend(r1.rearrange(STEP0), ROW1_0).blend(r2.rearrange(STEP0), ROW2_0).intoArray(dst, d);
        r0.rearrange(STEP1).blend(r1.rearrange(STEP1), ROW1_1).blend(r2.rearrange(STEP1), ROW2_1).intoArray(dst, d + 8);
        r0.rearrange(STEP2).blend(r1.rearrange(STEP2), ROW1_2).blend(r2.rearrange(STEP2), ROW2_2).intoArray(dst, d + 16);
    }

    /** Output vector k, lane l is float f = 8k + l: it comes from step f / 3. */
    private static VectorShuffle<Float> steps(int k) {
        int[] lanes = new int[8];
        for (int l = 0; l < 8; l++) lanes[l] = (8 * k + l) / 3;
        return VectorShuffle.fromArray(S8, lanes, 0);
    }

    /** Output vector k's lanes whose float comes from row r. */
    private static VectorMask<Float> rows(int k, int r) {
        boolean[] bits = new boolean[8];
        for (int l = 0; l < 8; l++) bits[l] = (8 * k + l) % 3 == r;
        return VectorMask.fromArray(S8, bits, 0);
    }
}
