package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes 8x8 blocks of floats in registers (256-bit vectors), for the SGEMM's packing of a transposed B: a panel
 * step is one float from each of nr stored rows. Eight rows are loaded as vectors and recombined in three rounds, each
 * merging pairs of vectors with a lane permutation and a blend: 1x1 blocks of row pairs, then 2x2 blocks, then 4x4
 * blocks. On a Zen 4 a transposed B panel of 1536x384 packed in 221 us this way against 325-424 with one 8-lane gather
 * per step (AVX2; AVX-512, nr 32: 139 against 272-281; issue 22, GEMM-NOTES.md 2026-12-06 #18).
 * Loaded only when {@link SimdSupport#ENABLED}; {@link #USABLE} says whether the machine has 256-bit vectors.
 */
final class Transpose8 {
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    /** Whether 256-bit vectors are native here (else FloatVector.SPECIES_256 would run the slow Java fallback). */
    static final boolean USABLE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    // round 1 pairs lanes (2i, 2i+1), round 2 lane pairs, round 3 halves: UP moves the lower element of each pair
    // up into the upper slot, DOWN the upper one down; the mask picks the upper slots
    private static final VectorShuffle<Float> UP1 = VectorShuffle.fromValues(S8, 0, 0, 2, 2, 4, 4, 6, 6);
    private static final VectorShuffle<Float> DOWN1 = VectorShuffle.fromValues(S8, 1, 1, 3, 3, 5, 5, 7, 7);
    private static final VectorShuffle<Float> UP2 = VectorShuffle.fromValues(S8, 0, 1, 0, 1, 4, 5, 4, 5);
    private static final VectorShuffle<Float> DOWN2 = VectorShuffle.fromValues(S8, 2, 3, 2, 3, 6, 7, 6, 7);
    private static final VectorShuffle<Float> UP4 = VectorShuffle.fromValues(S8, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final VectorShuffle<Float> DOWN4 = VectorShuffle.fromValues(S8, 4, 5, 6, 7, 4, 5, 6, 7);
    private static final VectorMask<Float> UPPER1 = VectorMask.fromValues(S8, false, true, false, true, false, true, false, true);
    private static final VectorMask<Float> UPPER2 = VectorMask.fromValues(S8, false, false, true, true, false, false, true, true);
    private static final VectorMask<Float> UPPER4 = VectorMask.fromValues(S8, false, false, false, false, true, true, true, true);

    private Transpose8() {}

    /**
     * {@code dst[d + c*ldd + r] = src[s + r*ld + c]} for r, c in [0, 8).
     *
     * @param src rows (8, 8) from s, row stride ld
     * @param dst the transposed block (8, 8) from d, row stride ldd
     */
    static void block(float[] src, int s, int ld, float[] dst, int d, int ldd) {
        FloatVector r0 = FloatVector.fromArray(S8, src, s), r1 = FloatVector.fromArray(S8, src, s + ld);
        FloatVector r2 = FloatVector.fromArray(S8, src, s + 2 * ld), r3 = FloatVector.fromArray(S8, src, s + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(S8, src, s + 4 * ld), r5 = FloatVector.fromArray(S8, src, s + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(S8, src, s + 6 * ld), r7 = FloatVector.fromArray(S8, src, s + 7 * ld);
        // round 1: x01e = (r0[c], r1[c]) for even c, x01o for odd c; likewise rows 2-3, 4-5, 6-7
        FloatVector x01e = r0.blend(r1.rearrange(UP1), UPPER1), x01o = r0.rearrange(DOWN1).blend(r1, UPPER1);
        FloatVector x23e = r2.blend(r3.rearrange(UP1), UPPER1), x23o = r2.rearrange(DOWN1).blend(r3, UPPER1);
        FloatVector x45e = r4.blend(r5.rearrange(UP1), UPPER1), x45o = r4.rearrange(DOWN1).blend(r5, UPPER1);
        FloatVector x67e = r6.blend(r7.rearrange(UP1), UPPER1), x67o = r6.rearrange(DOWN1).blend(r7, UPPER1);
        // round 2: yC = rows 0-3 of columns C and C + 4; zC the same for rows 4-7
        FloatVector y0 = x01e.blend(x23e.rearrange(UP2), UPPER2), y2 = x01e.rearrange(DOWN2).blend(x23e, UPPER2);
        FloatVector y1 = x01o.blend(x23o.rearrange(UP2), UPPER2), y3 = x01o.rearrange(DOWN2).blend(x23o, UPPER2);
        FloatVector z0 = x45e.blend(x67e.rearrange(UP2), UPPER2), z2 = x45e.rearrange(DOWN2).blend(x67e, UPPER2);
        FloatVector z1 = x45o.blend(x67o.rearrange(UP2), UPPER2), z3 = x45o.rearrange(DOWN2).blend(x67o, UPPER2);
        // round 3: column C = rows 0-3 from yC, rows 4-7 from zC
        y0.blend(z0.rearrange(UP4), UPPER4).intoArray(dst, d);
        y1.blend(z1.rearrange(UP4), UPPER4).intoArray(dst, d + ldd);
        y2.blend(z2.rearrange(UP4), UPPER4).intoArray(dst, d + 2 * ldd);
        y3.blend(z3.rearrange(UP4), UPPER4).intoArray(dst, d + 3 * ldd);
        y0.rearrange(DOWN4).blend(z0, UPPER4).intoArray(dst, d + 4 * ldd);
        y1.rearrange(DOWN4).blend(z1, UPPER4).intoArray(dst, d + 5 * ldd);
        y2.rearrange(DOWN4).blend(z2, UPPER4).intoArray(dst, d + 6 * ldd);
        y3.rearrange(DOWN4).blend(z3, UPPER4).intoArray(dst, d + 7 * ldd);
    }
}
