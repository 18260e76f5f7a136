package dev.jmamba.tensor.cpu;

/**
 * The plain reference for {@link Sgemm}: a triple loop that accumulates each dot product in
 * double. Slow; used by tests and as the readable definition of the operation.
 */
public final class SgemmReference {
    private SgemmReference() {}

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, same arguments and layout as
     * {@link Sgemm#sgemm}: op(A) (m, k), op(B) (k, n), C (m, n), all row-major.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                double old = beta == 0f ? 0 : (double) beta * c[ci];
                c[ci] = (float) (alpha * sum + old);
            }
        }
    }
}
