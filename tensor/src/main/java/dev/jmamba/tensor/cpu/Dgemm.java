package dev.jmamba.tensor.cpu;

/** Float64 GEMM with the same conventions as {@link Sgemm}; plain loops (used for references and gradient checks). */
final class Dgemm {
    private Dgemm() {}

    static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double beta, double[] c, int cOff, int ldc) {
        Parallel.forRange(m, Math.max(1, 16384 / Math.max(1, n * Math.max(1, k))), i -> {
            double[] row = new double[n];
            for (int p = 0; p < k; p++) {
                double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                for (int j = 0; j < n; j++) row[j] += av * (transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
            }
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * row[j] + (beta == 0 ? 0 : beta * c[ci]);
            }
        });
    }
}
