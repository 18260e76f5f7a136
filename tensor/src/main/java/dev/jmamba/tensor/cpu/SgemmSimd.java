package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API register-tile kernels: an (MR, 2V) tile of C, V = lanes of the preferred species
 * (8 on AVX2, 16 on AVX-512), held in 2*MR accumulator vectors. Each step p loads two vectors of the
 * packed B row, broadcasts the MR packed A values one at a time and issues 2*MR fused multiply-adds.
 * MR = 4 is the widest 2V tile on 256-bit vectors (8 accumulators: the 6-row tile would need 15 of
 * AVX2's 16 registers and C2 spills one of them, see {@code tile4}); the default there is the
 * (3, 3V) tile of {@link SgemmSimd3} (MR = 3). MR = MR_WIDE rows on 512-bit vectors, where AVX-512
 * has 32 registers.
 * {@code -Djmamba.gemm.vbits=128|256|512} and {@code -Djmamba.gemm.mr=3|4|5|6|8|12} override (for tuning and
 * for the tests of each width, SgemmVectorWidthTest; a width above the JVM's MaxVectorSize runs the
 * Vector API's slow Java fallback: correct, never fast).
 * The tile methods are written out by hand: accumulators must stay in local variables.
 * Loaded only when {@link SimdSupport#ENABLED}.
 */
final class SgemmSimd implements SgemmKernel {
    static final VectorSpecies<Float> S = species();
    /** Species of 4 and 8 lanes, for copying one step of a 4- or 8-row A panel (transposed A). */
    private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128, S8 = FloatVector.SPECIES_256;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR_WIDE = 8;
    /** On 256-bit vectors the default is {@link SgemmSimd3}'s (3, 3V) tile (1.02-1.03x this class's (4, 2V), issue 22). */
    private static final int MR_AVX2 = 3;
    private static final SgemmKernel DEFAULT = kernel(Integer.getInteger("jmamba.gemm.mr", L >= 16 ? MR_WIDE : MR_AVX2));
    /**
     * {@code jmamba.gemm.narrowRowsBelow}: one-thread products whose C has fewer rows than this run the 4-row tile
     * instead of the 8-row one where that computes fewer padding rows (12 rows: 12 instead of 16; 19: 20 instead of 24);
     * {@link Sgemm#sgemm} asks. 0 turns it off. Measured on a Zen 4 (AVX-512, same run; docs/SETTINGS.md): 12x196x192
     * 52.1 → 66.3 GFLOP/s, 50x19x96 AᵀBᵀ 37.5 → 42.1; on two threads 26x196x384 lost (112 → 74), hence one-thread
     * products only.
     */
    static final int NARROW_ROWS_BELOW = Integer.getInteger("jmamba.gemm.narrowRowsBelow", 32);
    private static final SgemmKernel NARROW = kernel(4);

    private final int mr;

    private SgemmSimd(int mr) {
        if (mr != 4 && mr != 5 && mr != 6 && mr != 8 && mr != 12) {
            throw new JmambaException("SgemmSimd: mr must be 3, 4, 5, 6, 8 or 12, got " + mr);
        }
        this.mr = mr;
    }

    /** The kernel (typed as the interface so callers need not load this class eagerly). */
    static SgemmKernel kernel() { return DEFAULT; }

    /** A kernel with {@code mr} rows (3: {@link SgemmSimd3}'s (3, 3V) tile; 4, 5, 6, 8 or 12), for tests of every tile shape. */
    static SgemmKernel kernel(int mr) { return mr == 3 ? SgemmSimd3.INSTANCE : new SgemmSimd(mr); }

    private static VectorSpecies<Float> species() {
        int bits = Integer.getInteger("jmamba.gemm.vbits", 0);
        if (bits == 512) return FloatVector.SPECIES_512;
        if (bits == 256) return FloatVector.SPECIES_256;
        if (bits == 128) return FloatVector.SPECIES_128;
        return FloatVector.SPECIES_PREFERRED;
    }

    @Override public int mr() { return mr; }

    @Override public SgemmKernel forRows(int rows) {
        boolean fewerPadded = Math.ceilDiv(rows, 4) * 4 < Math.ceilDiv(rows, mr) * mr;
        return mr == MR_WIDE && rows < NARROW_ROWS_BELOW && fewerPadded ? NARROW : this;
    }

    @Override public int nr() { return NR; }

    @Override public String describe() {
        return "Vector API " + S.vectorBitSize() + "-bit, tile " + mr + "x" + NR + (readsRowsDirectly() ? " (+ in-place A rows)" : "")
                + (hasHalfTile() ? " (+ " + mr + "x" + L + " for a last panel of <= " + L + " columns)" : "")
                + (mr == MR_WIDE && NARROW_ROWS_BELOW > 0 ? " (+ the 4-row tile for one-thread C of < " + NARROW_ROWS_BELOW + " rows where it pads fewer)" : "");
    }

    @Override public boolean readsRowsDirectly() { return mr == 4 || mr == 5 || mr == 8; }

    @Override public boolean hasHalfTile() { return mr == 4 || mr == 8; }

    @Override
    public void tileHalf(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        if (mr == 8) SgemmSimdHalf.tile8(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        else if (mr == 4) SgemmSimdHalf.tile4(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        else throw new UnsupportedOperationException("SgemmSimd: no half-width tile for mr = " + mr);
    }

    @Override
    public void tileRowsHalf(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        if (mr == 8) SgemmSimdHalf.tileRows8(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
        else if (mr == 4) SgemmSimdHalf.tileRows4(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
        else throw new UnsupportedOperationException("SgemmSimd: no half-width tile for mr = " + mr);
    }

    @Override
    public void tileRows(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        switch (mr) {
            case 5 -> tileRows5(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
            case 4 -> tileRows4(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
            case 8 -> tileRows8(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
            default -> throw new UnsupportedOperationException("SgemmSimd: no direct-rows tile for mr = " + mr);
        }
    }

    /**
     * Packs B with vector copies when B is not transposed and the panel is full (two vectors per
     * step), else with {@link SgemmPack#packBPanel}.
     */
    @Override
    public void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp, int dst) {
        SgemmPackB.panel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst, NR);
    }

    /**
     * Packs A panels: a transposed A has each step's mr values contiguous, copied as one 4- or
     * 8-lane vector; an untransposed A with mr = 4 or 8 is interleaved from four or eight row streams.
     */
    @Override
    public void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float alpha, float[] ap, int apOff) {
        int full = rows / mr * mr;
        if (transA && mr == 4) { // four panels (16 rows: one cache line of each stored row) per pass over p
            for (int r0 = 0; r0 < full; r0 += 16) {
                int groups = Math.min(4, (full - r0) / 4), dst = apOff + r0 * kc;
                int src = aOff + p0 * lda + i0 + r0;
                for (int p = 0; p < kc; p++, src += lda) {
                    for (int g = 0; g < groups; g++) {
                        FloatVector.fromArray(S4, a, src + 4 * g).mul(alpha).intoArray(ap, dst + g * 4 * kc + p * 4);
                    }
                }
            }
            if (full < rows) SgemmPack.packA(true, a, aOff, lda, i0 + full, rows - full, p0, kc, alpha, ap, apOff + full * kc, mr);
            return;
        }
        for (int r0 = 0; r0 < full; r0 += mr) {
            int dst = apOff + r0 * kc;
            if (transA && mr == 8 && S.length() >= 8) {
                int src = aOff + p0 * lda + i0 + r0;
                for (int p = 0; p < kc; p++, src += lda) FloatVector.fromArray(S8, a, src).mul(alpha).intoArray(ap, dst + p * 8);
            } else if (!transA && mr == 8) { // eight row streams, one sequential 8-float step each
                int s0 = aOff + (i0 + r0) * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                int s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda, s7 = s6 + lda;
                for (int p = 0; p < kc; p++) {
                    int d = dst + p * 8;
                    ap[d] = alpha * a[s0 + p];
                    ap[d + 1] = alpha * a[s1 + p];
                    ap[d + 2] = alpha * a[s2 + p];
                    ap[d + 3] = alpha * a[s3 + p];
                    ap[d + 4] = alpha * a[s4 + p];
                    ap[d + 5] = alpha * a[s5 + p];
                    ap[d + 6] = alpha * a[s6 + p];
                    ap[d + 7] = alpha * a[s7 + p];
                }
            } else if (!transA && mr == 4) {
                int s0 = aOff + (i0 + r0) * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                for (int p = 0; p < kc; p++) {
                    int d = dst + p * 4;
                    ap[d] = alpha * a[s0 + p];
                    ap[d + 1] = alpha * a[s1 + p];
                    ap[d + 2] = alpha * a[s2 + p];
                    ap[d + 3] = alpha * a[s3 + p];
                }
            } else {
                SgemmPack.packA(transA, a, aOff, lda, i0 + r0, mr, p0, kc, alpha, ap, dst, mr);
            }
        }
        if (full < rows) SgemmPack.packA(transA, a, aOff, lda, i0 + full, rows - full, p0, kc, alpha, ap, apOff + full * kc, mr);
    }

    @Override
    public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        switch (mr) {
            case 5 -> tile5(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
            case 4 -> tile4(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
            case 6 -> tile6(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
            case 8 -> tile8(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
            case 12 -> tile12(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
            default -> throw new IllegalStateException("unreachable: mr = " + mr);
        }
    }

    /**
     * The (4, 2V) tile: 8 accumulators + 2 B vectors + 1 broadcast = 11 registers. On AVX2 this is
     * the shape C2 compiles without spilling: the (6, 2V) tile needs 15 of the 16 ymm registers and
     * C2 hoists broadcasts into extra registers, spilling one accumulator to the stack, a
     * store-to-load round trip in its FMA chain every step (measured 43 against 97 GFLOP/s on one
     * Zen 3 core, data in L1; GEMM-NOTES.md item 9).
     */
    private static void tile4(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 4, bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
        }
        // Written out (no helper taking vectors): a non-inlined call would box the accumulators.
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
    }

    /** {@link #tile4} reading the four A rows unpacked: row r at {@code a[aOff + r*lda + p]}. */
    private static void tileRows4(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < kc; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
    }

    /** {@link #tile8} reading the eight A rows unpacked: row r at {@code a[aOff + r*lda + p]}. */
    private static void tileRows8(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        for (int p = 0; p < kc; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, a[a6 + p]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, a[a7 + p]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40); c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(bv, c41);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50); c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L).fma(bv, c51);
            c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60); c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L).fma(bv, c61);
            c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70); c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L).fma(bv, c71);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L);
    }

    /** The (6, 2V) tile: 12 accumulators + 2 B vectors + 1 broadcast = 15 registers. */
    private static void tile6(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 6, bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        // Written out (no helper taking vectors): a non-inlined call would box the accumulators.
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40); c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(bv, c41);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50); c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L).fma(bv, c51);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
    }

    /** The (8, 2V) tile: 16 accumulators + 2 B vectors + 1 broadcast = 19 registers. */
    private static void tile8(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 8, bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        // Written out (no helper taking vectors): a non-inlined call would box the accumulators.
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40); c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(bv, c41);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50); c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L).fma(bv, c51);
            c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60); c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L).fma(bv, c61);
            c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70); c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L).fma(bv, c71);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L);
    }

    /** The (12, 2V) tile: 24 accumulators + 2 B vectors + 1 broadcast = 27 registers. */
    private static void tile12(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S), c81 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S), c91 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c101 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S), c111 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 12, bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
            av = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = av.fma(b0, c80); c81 = av.fma(b1, c81);
            av = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = av.fma(b0, c90); c91 = av.fma(b1, c91);
            av = FloatVector.broadcast(S, ap[ai + 10]);
            c100 = av.fma(b0, c100); c101 = av.fma(b1, c101);
            av = FloatVector.broadcast(S, ap[ai + 11]);
            c110 = av.fma(b0, c110); c111 = av.fma(b1, c111);
        }
        // Written out (no helper taking vectors): a non-inlined call would box the accumulators.
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40); c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(bv, c41);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50); c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L).fma(bv, c51);
            c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60); c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L).fma(bv, c61);
            c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70); c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L).fma(bv, c71);
            c80 = FloatVector.fromArray(S, c, cOff + 8 * ldc).fma(bv, c80); c81 = FloatVector.fromArray(S, c, cOff + 8 * ldc + L).fma(bv, c81);
            c90 = FloatVector.fromArray(S, c, cOff + 9 * ldc).fma(bv, c90); c91 = FloatVector.fromArray(S, c, cOff + 9 * ldc + L).fma(bv, c91);
            c100 = FloatVector.fromArray(S, c, cOff + 10 * ldc).fma(bv, c100); c101 = FloatVector.fromArray(S, c, cOff + 10 * ldc + L).fma(bv, c101);
            c110 = FloatVector.fromArray(S, c, cOff + 11 * ldc).fma(bv, c110); c111 = FloatVector.fromArray(S, c, cOff + 11 * ldc + L).fma(bv, c111);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L);
        c80.intoArray(c, cOff + 8 * ldc); c81.intoArray(c, cOff + 8 * ldc + L);
        c90.intoArray(c, cOff + 9 * ldc); c91.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc); c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc); c111.intoArray(c, cOff + 11 * ldc + L);
    }

    /** The (5, 2V) tile: 10 accumulators + 2 B vectors + 1 broadcast = 13 registers. */
    private static void tile5(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * 5, bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40); c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(bv, c41);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
    }

    /** {@link #tile5} reading the five A rows unpacked. */
    private static void tileRows5(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda;
        for (int p = 0; p < kc; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
        }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00); c01 = FloatVector.fromArray(S, c, cOff + 0 * ldc + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10); c11 = FloatVector.fromArray(S, c, cOff + 1 * ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20); c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30); c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40); c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(bv, c41);
        }
        c00.intoArray(c, cOff + 0 * ldc); c01.intoArray(c, cOff + 0 * ldc + L);
        c10.intoArray(c, cOff + 1 * ldc); c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
    }
}
