package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;

/**
 * Single-precision general matrix multiply for the CPU backend:
 * {@code C = alpha * op(A) * op(B) + beta * C}, row-major, optionally transposed operands.
 *
 * <p>Large problems run the packed, cache-blocked, multi-threaded driver {@link SgemmBlocked} with
 * the Vector API kernel {@code SgemmSimd} when {@link SimdSupport#ENABLED}, else with the plain
 * {@link SgemmScalarKernel}; tiny problems use a direct loop. {@link SgemmReference} is the
 * readable definition.
 */
public final class Sgemm {
    /** At or below this many multiply-adds the direct loop beats packing. */
    private static final long SMALL_FMAS = 8 * 8 * 8;
    /**
     * {@code -Djmamba.gemm.trace=true} prints one line per call to stderr (the shapes a model's step
     * runs: {@code ... 2>&1 | grep '^sgemm' | sort | uniq -c}).
     */
    private static final boolean TRACE = Boolean.getBoolean("jmamba.gemm.trace");

    private Sgemm() {}

    /**
     * C = alpha * op(A) * op(B) + beta * C, row-major. op(A) is (m, k): element (i, p) is
     * {@code a[aOff + i*lda + p]} or, if transA, {@code a[aOff + p*lda + i]}. Same for B (k, n).
     * C (m, n) at {@code c[cOff + i*ldc + j]}. beta == 0 means C is not read (NaNs in C vanish).
     *
     * @param a A as stored: (m, k) with row stride lda, or (k, m) if transA
     * @param b B as stored: (k, n) with row stride ldb, or (n, k) if transB
     * @param c C (m, n) with row stride ldc
     * @throws dev.jmamba.tensor.JmambaException for negative sizes, short leading dimensions or arrays too
     *                                  small for the described matrices
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (!SgemmChecks.prologue(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc)) return;
        if (TRACE) System.err.println("sgemm m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " beta=" + beta);
        if ((long) m * n * k <= SMALL_FMAS) {
            direct(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            SgemmKernel kernel = SimdSupport.ENABLED ? SgemmSimd.kernel() : SgemmScalarKernel.INSTANCE;
            // a one-thread product of few C rows (as the driver computes them) may take a narrower tile
            int rows = transA && transB && SgemmBlocked.SWAP_TT ? n : m;
            if (SgemmBlocked.threads(m, n, k) == 1) kernel = kernel.forRows(rows);
            SgemmBlocked.sgemm(kernel, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * {@code batch} independent products; matrix t of A starts at {@code aOff + t*strideA}, and the
     * same for B and C. Each product uses all threads in turn.
     */
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                                    float beta, float[] c, int cOff, int ldc, long strideC, int batch) {
        if (batch < 0) throw new JmambaException("sgemmBatched: batch must be >= 0, got " + batch);
        for (int t = 0; t < batch; t++) {
            sgemm(transA, transB, m, n, k, alpha, a, Math.toIntExact(aOff + t * strideA), lda,
                    b, Math.toIntExact(bOff + t * strideB), ldb, beta, c, Math.toIntExact(cOff + t * strideC), ldc);
        }
    }

    /**
     * One line naming the kernel, blocking and threading {@link #sgemm} uses on this machine, e.g.
     * {@code "Vector API 256-bit, tile 4x16 (+ in-place A rows); KC 384 ..."} (benchmark reports).
     */
    public static String describe() {
        SgemmKernel kernel = SimdSupport.ENABLED ? SgemmSimd.kernel() : SgemmScalarKernel.INSTANCE;
        return SgemmBlocked.describe(kernel) + "; direct loop up to " + SMALL_FMAS + " multiply-adds";
    }

    /** The blocked driver with the plain kernel regardless of SIMD support (tests, benchmarks). */
    static void sgemmScalar(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        if (!SgemmChecks.prologue(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc)) return;
        SgemmBlocked.sgemm(SgemmScalarKernel.INSTANCE, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The blocked driver with the Vector API kernel; only call when {@link SimdSupport#ENABLED}. */
    static void sgemmSimd(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float beta, float[] c, int cOff, int ldc) {
        if (!SgemmChecks.prologue(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc)) return;
        SgemmBlocked.sgemm(SgemmSimd.kernel(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Direct loop for tiny products: one float dot product per element of C. */
    static void direct(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float beta, float[] c, int cOff, int ldc) {
        int aRow = transA ? 1 : lda, aStep = transA ? lda : 1;
        int bCol = transB ? ldb : 1, bStep = transB ? 1 : ldb;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                int ai = aOff + i * aRow, bi = bOff + j * bCol;
                for (int p = 0; p < k; p++, ai += aStep, bi += bStep) sum += a[ai] * b[bi];
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }
}
