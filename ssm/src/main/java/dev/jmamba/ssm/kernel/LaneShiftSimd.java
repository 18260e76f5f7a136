package dev.jmamba.ssm.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane shifts for a prefix scan inside one vector of V consecutive positions (Hillis–Steele: log₂ V
 * steps of "combine with the element s lanes away", s = 1, 2, 4, …). Step {@code st} shifts by
 * s = 2^st; the lanes that have no partner are left alone or get 0, which is what the identity
 * pair (1, 0) of the scan gives.
 */
final class LaneShiftSimd {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int V = S.length();
    /** log₂ V: the number of scan steps. */
    static final int STEPS = Integer.numberOfTrailingZeros(V);

    private static final VectorShuffle<Float>[] UP = shuffles(-1), DOWN = shuffles(+1);
    /** Lanes that have a partner 2^st lanes below / above. */
    private static final VectorMask<Float>[] UP_KEEP = partnered(-1), DOWN_KEEP = partnered(+1);
    /** Every lane takes lane V − 1. */
    private static final VectorShuffle<Float> LAST = VectorShuffle.fromOp(S, i -> V - 1);

    private LaneShiftSimd() {}

    /** Lane i takes lane i − 2^st; lanes i < 2^st are 0 (one zero-masked permute). */
    static FloatVector upZero(FloatVector v, int st) { return v.rearrange(UP[st], UP_KEEP[st]); }

    /** a_i · a_{i − 2^st} where that lane exists, a_i elsewhere (one permute, one masked multiply). */
    static FloatVector mulUp(FloatVector a, int st) {
        return a.lanewise(VectorOperators.MUL, a.rearrange(UP[st]), UP_KEEP[st]);
    }

    /** Lane i takes lane i + 2^st; lanes i ≥ V − 2^st are 0. */
    static FloatVector downZero(FloatVector v, int st) { return v.rearrange(DOWN[st], DOWN_KEEP[st]); }

    /** a_i · a_{i + 2^st} where that lane exists, a_i elsewhere. */
    static FloatVector mulDown(FloatVector a, int st) {
        return a.lanewise(VectorOperators.MUL, a.rearrange(DOWN[st]), DOWN_KEEP[st]);
    }

    /** Lane V − 1 in every lane. */
    static FloatVector broadcastLast(FloatVector v) { return v.rearrange(LAST); }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles(int direction) {
        VectorShuffle<Float>[] s = new VectorShuffle[STEPS];
        for (int st = 0; st < STEPS; st++) {
            int shift = (1 << st) * direction;
            s[st] = VectorShuffle.fromOp(S, i -> Math.floorMod(i + shift, V));
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] partnered(int direction) {
        VectorMask<Float>[] m = new VectorMask[STEPS];
        for (int st = 0; st < STEPS; st++) {
            int shift = 1 << st;
            boolean[] bits = new boolean[V];
            for (int i = 0; i < V; i++) bits[i] = direction < 0 ? i >= shift : i < V - shift;
            m[st] = VectorMask.fromArray(S, bits, 0);
        }
        return m;
    }
}
