package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Half-width register tiles for {@link SgemmSimd}: (MR, V) instead of (MR, 2V), for a last B panel
 * of at most V columns (V = lanes). They read the first V floats of each step of the usual packed B
 * panel (stride 2V). Without them a product with N = 48 on 512-bit vectors ran its second panel of
 * 16 columns as 32, a quarter of its work on zero padding (1600x48x192: 0.72x OpenBLAS on one
 * thread). One accumulator per row: 8 rows give 8 independent FMA chains, 4 rows 4 (the 4-row tile
 * is for 256-bit vectors, where it runs only edges). Written out like SgemmSimd's tiles: the
 * accumulators must stay in local variables.
 */
final class SgemmSimdHalf {
    private static final VectorSpecies<Float> S = SgemmSimd.S;
    private static final int NR = 2 * S.length();

    private SgemmSimdHalf() {}

    /** C(8, V) = A panel (kc, 8) times the first V columns of the B panel (kc, 2V), + beta * C. */
    static void tile8(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 8;
            FloatVector b = FloatVector.fromArray(S, bp, bpOff + p * NR);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(b, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, ap[ai + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, ap[ai + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, ap[ai + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, ap[ai + 6]).fma(b, c6);
            c7 = FloatVector.broadcast(S, ap[ai + 7]).fma(b, c7);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c0 = FloatVector.fromArray(S, c, cOff).fma(bv, c0); c1 = FloatVector.fromArray(S, c, cOff + ldc).fma(bv, c1);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c2); c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c3);
            c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c4); c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c5);
            c6 = FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c6); c7 = FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c7);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + ldc); c2.intoArray(c, cOff + 2 * ldc); c3.intoArray(c, cOff + 3 * ldc);
        c4.intoArray(c, cOff + 4 * ldc); c5.intoArray(c, cOff + 5 * ldc); c6.intoArray(c, cOff + 6 * ldc); c7.intoArray(c, cOff + 7 * ldc);
    }

    /** {@link #tile8} reading the eight A rows unpacked: row r at {@code a[aOff + r*lda + p]}. */
    static void tileRows8(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        for (int p = 0; p < kc; p++) {
            FloatVector b = FloatVector.fromArray(S, bp, bpOff + p * NR);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b, c5);
            c6 = FloatVector.broadcast(S, a[a6 + p]).fma(b, c6);
            c7 = FloatVector.broadcast(S, a[a7 + p]).fma(b, c7);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c0 = FloatVector.fromArray(S, c, cOff).fma(bv, c0); c1 = FloatVector.fromArray(S, c, cOff + ldc).fma(bv, c1);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c2); c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c3);
            c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c4); c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c5);
            c6 = FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c6); c7 = FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c7);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + ldc); c2.intoArray(c, cOff + 2 * ldc); c3.intoArray(c, cOff + 3 * ldc);
        c4.intoArray(c, cOff + 4 * ldc); c5.intoArray(c, cOff + 5 * ldc); c6.intoArray(c, cOff + 6 * ldc); c7.intoArray(c, cOff + 7 * ldc);
    }

    /** C(4, V) = A panel (kc, 4) times the first V columns of the B panel, + beta * C. */
    static void tile4(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 4;
            FloatVector b = FloatVector.fromArray(S, bp, bpOff + p * NR);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(b, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, ap[ai + 3]).fma(b, c3);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c0 = FloatVector.fromArray(S, c, cOff).fma(bv, c0); c1 = FloatVector.fromArray(S, c, cOff + ldc).fma(bv, c1);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c2); c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c3);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + ldc); c2.intoArray(c, cOff + 2 * ldc); c3.intoArray(c, cOff + 3 * ldc);
    }

    /** {@link #tile4} reading the four A rows unpacked. */
    static void tileRows4(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < kc; p++) {
            FloatVector b = FloatVector.fromArray(S, bp, bpOff + p * NR);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b, c3);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c0 = FloatVector.fromArray(S, c, cOff).fma(bv, c0); c1 = FloatVector.fromArray(S, c, cOff + ldc).fma(bv, c1);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c2); c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c3);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + ldc); c2.intoArray(c, cOff + 2 * ldc); c3.intoArray(c, cOff + 3 * ldc);
    }
}
