package dev.jmamba.ssm.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane shifts for a prefix scan inside one vector of V consecutive positions (Hillis–Steele: log₂ V
 * steps of "combine with the element s lanes away", s = 1, 2, 4, …). Step {@code st} shifts by
 * s = 2^st; the lanes that have no partner get a fill value (the identity of the scan).
 */
final class LaneShiftSimd {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int V = S.length();
    /** log₂ V: the number of scan steps. */
    static final int STEPS = Integer.numberOfTrailingZeros(V);

    private static final VectorShuffle<Float>[] UP = shuffles(-1), DOWN = shuffles(+1);
    private static final VectorMask<Float>[] UP_FILL = fills(-1), DOWN_FILL = fills(+1);
    private static final VectorMask<Float>[] UP_KEEP = not(UP_FILL);
    /** Every lane takes lane V − 1 / lane 0. */
    private static final VectorShuffle<Float> LAST = VectorShuffle.fromOp(S, i -> V - 1), FIRST = VectorShuffle.fromOp(S, i -> 0);

    private LaneShiftSimd() {}

    /** Lane i takes lane i − 2^st; lanes i < 2^st take {@code fill}. */
    static FloatVector up(FloatVector v, int st, float fill) { return v.rearrange(UP[st]).blend(fill, UP_FILL[st]); }

    /** Lane i takes lane i − 2^st; lanes i < 2^st are 0 (one zero-masked permute). */
    static FloatVector upZero(FloatVector v, int st) { return v.rearrange(UP[st], UP_KEEP[st]); }

    /** a_i · a_{i − 2^st} where that lane exists, a_i elsewhere (one permute, one masked multiply). */
    static FloatVector mulUp(FloatVector a, int st) {
        return a.lanewise(VectorOperators.MUL, a.rearrange(UP[st]), UP_KEEP[st]);
    }

    /** Lane i takes lane i + 2^st; lanes i ≥ V − 2^st take {@code fill}. */
    static FloatVector down(FloatVector v, int st, float fill) { return v.rearrange(DOWN[st]).blend(fill, DOWN_FILL[st]); }

    /** Lane V − 1 in every lane. */
    static FloatVector broadcastLast(FloatVector v) { return v.rearrange(LAST); }

    /** Lane 0 in every lane. */
    static FloatVector broadcastFirst(FloatVector v) { return v.rearrange(FIRST); }

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
    private static VectorMask<Float>[] not(VectorMask<Float>[] masks) {
        VectorMask<Float>[] m = new VectorMask[masks.length];
        for (int i = 0; i < masks.length; i++) m[i] = masks[i].not();
        return m;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] fills(int direction) {
        VectorMask<Float>[] m = new VectorMask[STEPS];
        for (int st = 0; st < STEPS; st++) {
            int shift = 1 << st;
            boolean[] bits = new boolean[V];
            for (int i = 0; i < V; i++) bits[i] = direction < 0 ? i < shift : i >= V - shift;
            m[st] = VectorMask.fromArray(S, bits, 0);
        }
        return m;
    }
}
