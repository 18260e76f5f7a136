package dev.jmamba.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing of B panels with vectors, for the Vector API register tiles ({@link SgemmSimd}, {@link SgemmSimd3}): the
 * layout of {@link SgemmKernel} ({@code bp[dst + p*nr + j] = op(B)(p0 + p, j0 + j)}, zero-padded to nr columns).
 * Loaded only when {@link SimdSupport#ENABLED}.
 */
final class SgemmPackB {
    private static final VectorSpecies<Float> S = SgemmSimd.S;
    private static final int L = S.length();

    private SgemmPackB() {}

    /**
     * A B panel of width nr (a multiple of the vector length): nr / L vector copies per step of K when B is not
     * transposed and the panel is full; when it is transposed, 8x8 blocks transposed in registers
     * ({@link Transpose8}: 1.5-2x faster than gathers, which were 2x faster than the scalar 4-row copy that took 8-12%
     * of 196x1536x384 A B^T; issue 22, GEMM-NOTES.md), or nr / L gathers (one float of each of L stored rows) per
     * step without 256-bit vectors or where nr is no multiple of 8; else {@link SgemmPack#packBPanel} (shared by the
     * register tiles of this width).
     */
    static void panel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp,
                      int dst, int nr) {
        if (transB && cols == nr && nr % 8 == 0 && Transpose8.USABLE) {
            transposedPanel(b, bOff + j0 * ldb + p0, ldb, kc, bp, dst, nr);
            return;
        }
        if (transB && cols == nr) {
            // step p of the panel is column p of nr stored rows: one L-lane gather per L rows
            int[] rows = new int[L];
            for (int j = 0; j < L; j++) rows[j] = j * ldb;
            int src = bOff + j0 * ldb + p0;
            for (int p = 0; p < kc; p++) {
                int d = dst + p * nr;
                for (int v = 0; v < nr; v += L) FloatVector.fromArray(S, b, src + v * ldb + p, rows, 0).intoArray(bp, d + v);
            }
            return;
        }
        if (transB || cols != nr) {
            SgemmPack.packBPanel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst, nr);
            return;
        }
        int src = bOff + p0 * ldb + j0;
        for (int p = 0; p < kc; p++, src += ldb) {
            int d = dst + p * nr;
            for (int v = 0; v < nr; v += L) FloatVector.fromArray(S, b, src + v).intoArray(bp, d + v);
        }
    }

    /**
     * A full panel of a transposed B: step p of the panel is column p of nr stored rows (row j from {@code b[src + j*ldb]}),
     * packed as 8x8 blocks transposed in registers, the last kc % 8 steps one float at a time. A method of its own so that
     * panel(), which every B panel goes through, keeps its size for the JIT.
     */
    private static void transposedPanel(float[] b, int src, int ldb, int kc, float[] bp, int dst, int nr) {
        int full = kc / 8 * 8;
        for (int p = 0; p < full; p += 8) {
            for (int g = 0; g < nr; g += 8) Transpose8.block(b, src + g * ldb + p, ldb, bp, dst + p * nr + g, nr);
        }
        for (int p = full; p < kc; p++) {
            for (int j = 0; j < nr; j++) bp[dst + p * nr + j] = b[src + j * ldb + p];
        }
    }
}
