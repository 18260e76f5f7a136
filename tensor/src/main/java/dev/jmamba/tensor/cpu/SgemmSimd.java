package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API register-tile kernel: a (6, 2V) tile of C, V = lanes of the preferred species
 * (8 on AVX2, 16 on AVX-512), held in 12 accumulator vectors. Each step p loads two vectors of the
 * packed B row, broadcasts the 6 packed A values one at a time and issues 12 fused multiply-adds:
 * 12 accumulators + 2 B vectors + 1 broadcast = 15 registers, within AVX2's 16.
 * {@code -Djmamba.gemm.vbits=256} forces 256-bit vectors (for tuning). Loaded only when
 * {@link SimdSupport#ENABLED}.
 */
final class SgemmSimd implements SgemmKernel {
    private static final VectorSpecies<Float> S = species();
    private static final int L = S.length();
    private static final int MR = 6, NR = 2 * L;
    private static final SgemmSimd INSTANCE = new SgemmSimd();

    private SgemmSimd() {}

    /** The kernel (typed as the interface so callers need not load this class eagerly). */
    static SgemmKernel kernel() { return INSTANCE; }

    private static VectorSpecies<Float> species() {
        int bits = Integer.getInteger("jmamba.gemm.vbits", 0);
        if (bits == 256) return FloatVector.SPECIES_256;
        if (bits == 128) return FloatVector.SPECIES_128;
        return FloatVector.SPECIES_PREFERRED;
    }

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override
    public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * MR, bi = bpOff + p * NR;
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
        int r0 = cOff, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, c, r0).fma(bv, c00); c01 = FloatVector.fromArray(S, c, r0 + L).fma(bv, c01);
            c10 = FloatVector.fromArray(S, c, r1).fma(bv, c10); c11 = FloatVector.fromArray(S, c, r1 + L).fma(bv, c11);
            c20 = FloatVector.fromArray(S, c, r2).fma(bv, c20); c21 = FloatVector.fromArray(S, c, r2 + L).fma(bv, c21);
            c30 = FloatVector.fromArray(S, c, r3).fma(bv, c30); c31 = FloatVector.fromArray(S, c, r3 + L).fma(bv, c31);
            c40 = FloatVector.fromArray(S, c, r4).fma(bv, c40); c41 = FloatVector.fromArray(S, c, r4 + L).fma(bv, c41);
            c50 = FloatVector.fromArray(S, c, r5).fma(bv, c50); c51 = FloatVector.fromArray(S, c, r5 + L).fma(bv, c51);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + L);
    }
}
