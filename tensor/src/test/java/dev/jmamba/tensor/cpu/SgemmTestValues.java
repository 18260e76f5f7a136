package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Seeded operands and small helpers shared by the SGEMM tests. */
final class SgemmTestValues {
    private SgemmTestValues() {}

    /** x² in double. */
    static double sq(float x) {
        return (double) x * x;
    }

    /** {@code size} floats uniform in [-1, 1). */
    static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    /** An SGEMM entry taking C = alpha · Aᵀ Bᵀ + beta · C on column-offset storage (A stored (k, m), B stored (n, k)). */
    interface TransposedBoth {
        void sgemm(int m, int n, int k, float alpha, float[] a, int off, int lda, float[] b, int ldb, float beta, float[] c, int ldc);
    }

    /**
     * Runs {@code entry} on padded, offset storage of shape {m, n, k, pad, off} with operands from {@code seed}; checks
     * every element against {@link SgemmReference} within 2e-6·√k·(|alpha|·‖A's row‖·‖B's column‖ + |beta·C|) (float
     * sums of k products in any order) and that storage outside the matrix is untouched; returns C's storage.
     */
    static float[] runTransposedBoth(int[] shape, float alpha, float beta, long seed, String what, TransposedBoth entry) {
        int m = shape[0], n = shape[1], k = shape[2], pad = shape[3], off = shape[4];
        SplittableRandom rnd = new SplittableRandom(seed);
        int lda = m + pad, ldb = k + pad, ldc = n + pad; // A stored (k, m), B stored (n, k)
        float[] a = random(rnd, off + k * lda), b = random(rnd, off + n * ldb), c0 = random(rnd, off + m * ldc + 3);
        float[] c = c0.clone(), want = c0.clone();
        SgemmReference.sgemm(true, true, m, n, k, alpha, a, off, lda, b, off, ldb, beta, want, off, ldc);
        entry.sgemm(m, n, k, alpha, a, off, lda, b, ldb, beta, c, ldc);
        String where = what + ", " + m + "x" + n + "x" + k + " alpha " + alpha + " beta " + beta;
        double[] colB = new double[n];
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) colB[j] += sq(b[off + j * ldb + p]);
        for (int i = 0; i < m; i++) {
            double rowA = 0;
            for (int p = 0; p < k; p++) rowA += sq(a[off + p * lda + i]);
            for (int j = 0; j < n; j++) {
                int ci = off + i * ldc + j;
                double tol = 2e-6 * Math.sqrt(k) * (Math.abs(alpha) * Math.sqrt(rowA * colB[j]) + Math.abs(beta * c0[ci])) + 1e-30;
                if (!(Math.abs(c[ci] - want[ci]) <= tol)) fail(where + ": C(" + i + ", " + j + ") = " + c[ci] + ", expected " + want[ci] + " +- " + tol);
            }
        }
        for (int x = 0; x < c.length; x++) {
            int rel = x - off;
            if (rel < 0 || rel >= m * ldc || rel % ldc >= n) assertEquals(c0[x], c[x], where + ": C storage at " + x + " outside the matrix changed");
        }
        return c;
    }
}
