package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;

/** Argument checks and the trivial cases (empty C, k = 0, alpha = 0) shared by the GEMM entry points. */
final class SgemmChecks {
    private SgemmChecks() {}

    /**
     * Validates the arguments of {@link Sgemm#sgemm}; handles the cases without a product
     * (C = beta * C) and returns whether a product remains to be computed.
     */
    static boolean prologue(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new JmambaException("sgemm: sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        if (m == 0 || n == 0) return false;
        checkMatrix("C", c, cOff, ldc, m, n, "");
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return false;
        }
        checkMatrix("A", a, aOff, lda, transA ? k : m, transA ? m : k, transA ? " (transA: stored (k, m))" : "");
        checkMatrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n, transB ? " (transB: stored (n, k))" : "");
        return true;
    }

    /** Checks a stored (rows, cols) matrix with row stride ld starting at off, rows, cols &gt; 0. */
    private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols, String note) {
        if (x == null) throw new JmambaException("sgemm: " + name + " is null");
        if (ld < cols) {
            throw new JmambaException("sgemm: leading dimension of " + name + note + " must be >= its row length "
                    + cols + ", got " + ld);
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new JmambaException("sgemm: " + name + note + " (" + rows + ", " + cols + ") with offset " + off
                    + " and leading dimension " + ld + " needs " + last + " floats, array has " + x.length);
        }
    }

    /** C = beta * C; beta == 0 writes zeros without reading C. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[row + j] = beta == 0f ? 0f : beta * c[row + j];
        }
    }
}
