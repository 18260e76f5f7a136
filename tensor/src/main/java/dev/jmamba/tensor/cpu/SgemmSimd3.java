package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The (3, 3V) register tile (V = lanes of {@link SgemmSimd#S}): 9 accumulators + 3 B vectors + 1
 * broadcast = 13 registers, the widest tile C2 compiles without spills in AVX2's 16 ymm registers
 * (the (4, 3V) tile needs all 16 and C2 spills: 52 against 104 GFLOP/s on one Zen 5 core, data in
 * L1). Against {@link SgemmSimd}'s (4, 2V) tile it has 9 independent FMA chains instead of 8 and
 * loads 6 values per 9 FMAs instead of 6 per 8; on 256-bit vectors it is the default tile.
 * Each step p loads three vectors of the packed B row and broadcasts the three packed A values.
 * Packed layouts as in {@link SgemmKernel}: A panels (kc, 3), B panels (kc, 3V). Written out by
 * hand like SgemmSimd's tiles: the accumulators must stay in local variables.
 */
final class SgemmSimd3 implements SgemmKernel {
    private static final VectorSpecies<Float> S = SgemmSimd.S;
    private static final int L = S.length();
    private static final int NR = 3 * L;
    private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128;
    static final SgemmSimd3 INSTANCE = new SgemmSimd3();

    private SgemmSimd3() {}

    @Override public int mr() { return 3; }

    @Override public int nr() { return NR; }

    @Override public String describe() {
        return "Vector API " + S.vectorBitSize() + "-bit, tile 3x" + NR + " (+ in-place A rows, + 6x" + L + " for a last panel of <= " + L + " columns)";
    }

    @Override public boolean readsRowsDirectly() { return true; }

    /** A last B panel of at most V columns runs {@link SgemmSimd3Narrow}'s (6, V) tile. */
    @Override public boolean hasHalfTile() { return true; }

    @Override public int halfNr() { return L; }

    @Override public int halfRows() { return 6; }

    @Override
    public void tileHalf(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        SgemmSimd3Narrow.tile6(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
    }

    @Override
    public void tileRowsHalf(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        SgemmSimd3Narrow.tileRows6(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
    }

    /** Packs B with three vector copies per step when B is not transposed and the panel is full. */
    @Override
    public void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp, int dst) {
        SgemmPackB.panel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst, NR);
    }

    /**
     * Packs A panels: an untransposed A is interleaved from three row streams; a transposed A has
     * each step's three values contiguous in a stored row, copied for 16 panels (48 floats, three
     * cache lines of that row) per pass over the rows, four lanes at a time (one panel per pass and
     * one float at a time took 56 us for 197x384 against 14 for the 4-row tile's vector copies, and
     * 197x44x384 with A transposed ran at half the 4-row tile's speed).
     */
    @Override
    public void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float alpha, float[] ap, int apOff) {
        int full = rows / 3 * 3;
        if (transA) {
            for (int r0 = 0; r0 < full; r0 += 48) {
                int groups = Math.min(16, (full - r0) / 3), src = aOff + p0 * lda + i0 + r0;
                for (int p = 0; p < kc; p++, src += lda) {
                    // a 4-lane copy whose 4th lane lands on step p + 1's first slot, written later;
                    // the last step, and a read past the array's end, copy 3 floats one by one
                    boolean spill = p < kc - 1;
                    for (int g = 0, d = apOff + r0 * kc + p * 3, s = src; g < groups; g++, d += 3 * kc, s += 3) {
                        if (spill && s + 4 <= a.length) {
                            FloatVector.fromArray(S4, a, s).mul(alpha).intoArray(ap, d);
                        } else {
                            ap[d] = alpha * a[s];
                            ap[d + 1] = alpha * a[s + 1];
                            ap[d + 2] = alpha * a[s + 2];
                        }
                    }
                }
            }
        } else {
            // eight steps of the three rows at a time interleaved in registers (Interleave3), the last kc % 8 one by one
            int vectorSteps = Transpose8.USABLE ? kc / 8 * 8 : 0;
            for (int r0 = 0; r0 < full; r0 += 3) {
                int s0 = aOff + (i0 + r0) * lda + p0, s1 = s0 + lda, s2 = s1 + lda, d = apOff + r0 * kc;
                for (int p = 0; p < vectorSteps; p += 8, d += 24) Interleave3.block(a, s0 + p, lda, alpha, ap, d);
                for (int p = vectorSteps; p < kc; p++, d += 3) {
                    ap[d] = alpha * a[s0 + p];
                    ap[d + 1] = alpha * a[s1 + p];
                    ap[d + 2] = alpha * a[s2 + p];
                }
            }
        }
        if (full < rows) SgemmPack.packA(transA, a, aOff, lda, i0 + full, rows - full, p0, kc, alpha, ap, apOff + full * kc, 3);
    }

    @Override
    public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 3, bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            int r1 = cOff + ldc, r2 = r1 + ldc;
            c00 = FloatVector.fromArray(S, c, cOff).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + L).fma(bv, c01); c02 = FloatVector.fromArray(S, c, cOff + 2 * L).fma(bv, c02);
            c10 = FloatVector.fromArray(S, c, r1).fma(bv, c10); c11 = FloatVector.fromArray(S, c, r1 + L).fma(bv, c11); c12 = FloatVector.fromArray(S, c, r1 + 2 * L).fma(bv, c12);
            c20 = FloatVector.fromArray(S, c, r2).fma(bv, c20); c21 = FloatVector.fromArray(S, c, r2 + L).fma(bv, c21); c22 = FloatVector.fromArray(S, c, r2 + 2 * L).fma(bv, c22);
        }
        int r1 = cOff + ldc, r2 = r1 + ldc;
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L); c12.intoArray(c, r1 + 2 * L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L); c22.intoArray(c, r2 + 2 * L);
    }

    /** {@link #tile} reading the three A rows unpacked: row r at {@code a[aOff + r*lda + p]}. */
    @Override
    public void tileRows(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda;
        for (int p = 0; p < kc; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            int r1 = cOff + ldc, r2 = r1 + ldc;
            c00 = FloatVector.fromArray(S, c, cOff).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + L).fma(bv, c01); c02 = FloatVector.fromArray(S, c, cOff + 2 * L).fma(bv, c02);
            c10 = FloatVector.fromArray(S, c, r1).fma(bv, c10); c11 = FloatVector.fromArray(S, c, r1 + L).fma(bv, c11); c12 = FloatVector.fromArray(S, c, r1 + 2 * L).fma(bv, c12);
            c20 = FloatVector.fromArray(S, c, r2).fma(bv, c20); c21 = FloatVector.fromArray(S, c, r2 + L).fma(bv, c21); c22 = FloatVector.fromArray(S, c, r2 + 2 * L).fma(bv, c22);
        }
        int r1 = cOff + ldc, r2 = r1 + ldc;
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L); c12.intoArray(c, r1 + 2 * L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L); c22.intoArray(c, r2 + 2 * L);
    }
}
