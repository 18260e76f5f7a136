package dev.jmamba.tensor.cpu;

import java.util.Arrays;

/**
 * Packing for the blocked GEMM: copies a block of op(A) or op(B) into the contiguous,
 * zero-padded panel layout that {@link SgemmKernel} reads, so the kernel streams memory with
 * unit stride regardless of transposes and leading dimensions. alpha is folded into A here.
 */
final class SgemmPack {
    private SgemmPack() {}

    /**
     * Packs alpha * op(A)(i0 : i0+rows, p0 : p0+kc) into panels of {@code mr} rows, each panel
     * (kc, mr) at {@code ap[apOff + panel * kc * mr]}, rows past {@code rows} zero.
     *
     * @param a  A as stored: (m, k) row stride lda, or (k, m) if transA
     * @param ap destination (ceil(rows / mr) * kc * mr floats from apOff)
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc,
                      float alpha, float[] ap, int apOff, int mr) {
        if (rows % mr != 0) { // the last panel's missing rows are zero
            int dst = apOff + rows / mr * kc * mr;
            Arrays.fill(ap, dst, dst + kc * mr, 0f);
        }
        if (!transA) {
            for (int panel = 0; panel * mr < rows; panel++) {
                int r0 = panel * mr, live = Math.min(mr, rows - r0), dst = apOff + panel * kc * mr;
                for (int r = 0; r < live; r++) {
                    int src = aOff + (i0 + r0 + r) * lda + p0;
                    for (int p = 0; p < kc; p++) ap[dst + p * mr + r] = alpha * a[src + p];
                }
            }
        } else {
            // step p of every panel comes from stored row p0 + p: read each row once, contiguously
            // (one pass over the rows per panel re-read A's lines from L2 once per panel: with the
            // 3-row tile, 197x44x384 with A transposed ran at half the speed of the 4-row tile)
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0, dst = apOff + p * mr;
                for (int r0 = 0; r0 < rows; r0 += mr, dst += kc * mr) {
                    int live = Math.min(mr, rows - r0);
                    for (int r = 0; r < live; r++) ap[dst + r] = alpha * a[src + r0 + r];
                }
            }
        }
    }

    /**
     * Packs op(B)(p0 : p0+kc, j0 : j0+cols) (cols &lt;= nr) as one panel (kc, nr) at
     * {@code bp[dst]}, columns past {@code cols} zero.
     *
     * @param b  B as stored: (k, n) row stride ldb, or (n, k) if transB
     * @param bp destination, kc * nr floats from dst
     */
    static void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols,
                           float[] bp, int dst, int nr) {
        if (cols < nr) Arrays.fill(bp, dst, dst + kc * nr, 0f);
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, bOff + (p0 + p) * ldb + j0, bp, dst + p * nr, cols);
            }
        } else {
            // column j of the panel is row j0 + j of the stored (n, k) matrix: contiguous in p.
            // Four source rows at a time, in blocks of 128 steps so the destination lines being
            // filled stay in L1 (0.46 -> 0.36 ns per float against one row at a time, 64 steps)
            for (int pb = 0; pb < kc; pb += 128) {
                int pe = Math.min(kc, pb + 128), j = 0;
                for (; j + 4 <= cols; j += 4) {
                    int s0 = bOff + (j0 + j) * ldb + p0, s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb, d = dst + pb * nr + j;
                    for (int p = pb; p < pe; p++, d += nr) {
                        bp[d] = b[s0 + p];
                        bp[d + 1] = b[s1 + p];
                        bp[d + 2] = b[s2 + p];
                        bp[d + 3] = b[s3 + p];
                    }
                }
                for (; j < cols; j++) {
                    int src = bOff + (j0 + j) * ldb + p0, d = dst + pb * nr + j;
                    for (int p = pb; p < pe; p++, d += nr) bp[d] = b[src + p];
                }
            }
        }
    }
}
