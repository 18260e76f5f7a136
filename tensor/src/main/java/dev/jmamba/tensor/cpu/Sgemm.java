package dev.jmamba.tensor.cpu;

/**
 * Float32 GEMM, row-major: C = alpha * op(A) * op(B) + beta * C. (Placeholder blocked loop; the
 * packed SIMD kernel replaces this.)
 */
public final class Sgemm {
    private Sgemm() {}

    /** See the class comment; op(A) is (m, k), op(B) is (k, n), C is (m, n); beta == 0 means C is not read. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        Parallel.forRange(m, Math.max(1, 65536 / Math.max(1, n * Math.max(1, k))), i -> {
            float[] row = new float[n];
            for (int p = 0; p < k; p++) {
                float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                if (av == 0) continue;
                for (int j = 0; j < n; j++) row[j] += av * (transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
            }
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * row[j] + (beta == 0 ? 0 : beta * c[ci]);
            }
        });
    }
}
