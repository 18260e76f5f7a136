package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The narrow tile of {@link SgemmSimd3}: C(6, V) for a last B panel of at most V columns (V =
 * lanes), from two 3-row A panels at once and the first V floats of each step of the usual packed
 * B panel (stride 3V). The full (3, 3V) tile on such a panel spends two thirds of its FMAs on zero
 * padding (197x192x384 A^T B^T runs as C^T = B A with 197 = 8 * 24 + 5 columns: the ninth panel
 * cost a full one); one (3, V) tile would have only 3 FMA chains, latency-bound at about the full
 * tile's time, so six rows give 6 chains. Each element is the same multiply-add chain, in the same
 * order of p, as in the full tile: the same bits. Written out by hand like SgemmSimd's tiles: the
 * accumulators must stay in local variables.
 */
final class SgemmSimd3Narrow {
    private static final VectorSpecies<Float> S = SgemmSimd.S;
    private static final int NR = 3 * S.length();

    private SgemmSimd3Narrow() {}

    /**
     * C(6, V) = two A panels (kc, 3), the second {@code 3 * kc} floats after the first, times the
     * first V columns of the B panel (kc, 3V), + beta * C.
     */
    static void tile6(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        int second = apOff + 3 * kc;
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 3, aj = second + p * 3;
            FloatVector b = FloatVector.fromArray(S, bp, bpOff + p * NR);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(b, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, ap[aj]).fma(b, c3);
            c4 = FloatVector.broadcast(S, ap[aj + 1]).fma(b, c4);
            c5 = FloatVector.broadcast(S, ap[aj + 2]).fma(b, c5);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c0 = FloatVector.fromArray(S, c, cOff).fma(bv, c0); c1 = FloatVector.fromArray(S, c, cOff + ldc).fma(bv, c1);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c2); c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c3);
            c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c4); c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c5);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + ldc); c2.intoArray(c, cOff + 2 * ldc);
        c3.intoArray(c, cOff + 3 * ldc); c4.intoArray(c, cOff + 4 * ldc); c5.intoArray(c, cOff + 5 * ldc);
    }

    /** {@link #tile6} reading the six A rows unpacked: row r at {@code a[aOff + r*lda + p]}. */
    static void tileRows6(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int p = 0; p < kc; p++) {
            FloatVector b = FloatVector.fromArray(S, bp, bpOff + p * NR);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b, c5);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c0 = FloatVector.fromArray(S, c, cOff).fma(bv, c0); c1 = FloatVector.fromArray(S, c, cOff + ldc).fma(bv, c1);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c2); c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c3);
            c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c4); c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c5);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + ldc); c2.intoArray(c, cOff + 2 * ldc);
        c3.intoArray(c, cOff + 3 * ldc); c4.intoArray(c, cOff + 4 * ldc); c5.intoArray(c, cOff + 5 * ldc);
    }
}
