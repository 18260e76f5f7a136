package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.MatmulPrecision;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** cuBLAS GEMMs against a CPU triple loop, with m, n, k all different so a swapped convention fails. */
@Tag("gpu")
class CuBlasGpuTest {
    private static final int M = 37;
    private static final int N = 53;
    private static final int K = 29;

    /** Row-major C = op(A)·op(B) in double. a: (m, k) or (k, m) if transA; b: (k, n) or (n, k) if transB. */
    private static double[] reference(float[] a, float[] b, int m, int n, int k, boolean transA, boolean transB) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? a[p * m + i] : a[i * k + p];
                    double y = transB ? b[j * k + p] : b[p * n + j];
                    sum += x * y;
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }

    private static void assertClose(double[] expected, float[] got, double relative, String what) {
        // inputs are in [-1, 1): each |c_ij| ≤ k, so the tolerance is scaled by k
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], relative * K, what + " at " + i);
        }
    }

    @Test
    void rowMajorProductsWithTransposes() {
        CudaContext context = GpuTests.context();
        CuBlas blas = context.cublas();
        float[] a = GpuTests.uniform(21, M * K, -1, 1);
        float[] b = GpuTests.uniform(22, K * N, -1, 1);
        long da = context.upload(a);
        long db = context.upload(b);
        long dc = context.allocator().allocate(4L * M * N, context.stream());
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                blas.matmul(transA, transB, M, N, K, 1f, da, db, 0f, dc);
                // fp32 with fp32 accumulation over k = 29 terms: error ≲ k·ε ≈ 3.5e-6 per unit magnitude
                assertClose(reference(a, b, M, N, K, transA, transB), context.download(dc, M * N), 1e-5,
                        "transA=" + transA + " transB=" + transB);
            }
        }
        // alpha and beta: C = 2·A·B + 0.5·C
        float[] c0 = GpuTests.uniform(23, M * N, -1, 1);
        long dc0 = context.upload(c0);
        blas.matmul(false, false, M, N, K, 2f, da, db, 0.5f, dc0);
        double[] product = reference(a, b, M, N, K, false, false);
        for (int i = 0; i < product.length; i++) product[i] = 2 * product[i] + 0.5 * c0[i];
        assertClose(product, context.download(dc0, M * N), 2e-5, "alpha/beta");
        for (long p : new long[] {da, db, dc, dc0}) context.allocator().free(p);
    }

    @Test
    void stridedBatchedProducts() {
        CudaContext context = GpuTests.context();
        int batch = 3;
        float[] a = GpuTests.uniform(31, batch * M * K, -1, 1);
        float[] b = GpuTests.uniform(32, batch * K * N, -1, 1);
        long da = context.upload(a);
        long db = context.upload(b);
        long dc = context.allocator().allocate(4L * batch * M * N, context.stream());
        context.cublas().matmulBatched(false, false, M, N, K, 1f, da, (long) M * K, db, (long) K * N, 0f, dc, (long) M * N, batch);
        float[] got = context.download(dc, batch * M * N);
        for (int i = 0; i < batch; i++) {
            float[] ai = java.util.Arrays.copyOfRange(a, i * M * K, (i + 1) * M * K);
            float[] bi = java.util.Arrays.copyOfRange(b, i * K * N, (i + 1) * K * N);
            assertClose(reference(ai, bi, M, N, K, false, false),
                    java.util.Arrays.copyOfRange(got, i * M * N, (i + 1) * M * N), 1e-5, "batch " + i);
        }
        for (long p : new long[] {da, db, dc}) context.allocator().free(p);
    }

    @Test
    void reducedPrecisionOptions() {
        CudaContext context = GpuTests.context();
        CuBlas blas = context.cublas();
        float[] a = GpuTests.uniform(41, M * K, -1, 1);
        float[] b = GpuTests.uniform(42, K * N, -1, 1);
        long da = context.upload(a);
        long db = context.upload(b);
        long dc = context.allocator().allocate(4L * M * N, context.stream());
        double[] expected = reference(a, b, M, N, K, false, false);
        try {
            blas.setPrecision(MatmulPrecision.TF32);
            blas.matmul(false, false, M, N, K, 1f, da, db, 0f, dc);
            // TF32 keeps 10 mantissa bits: each product is off by ≲ 2·2^-11 relative: 1e-3 per unit, summed over k
            assertClose(expected, context.download(dc, M * N), 1e-3, "TF32");
            blas.setPrecision(MatmulPrecision.BF16);
            blas.matmul(false, false, M, N, K, 1f, da, db, 0f, dc);
            // bf16 keeps 7 mantissa bits: ≲ 2·2^-8 relative per product
            assertClose(expected, context.download(dc, M * N), 8e-3, "matmul at BF16");
            float[] bt = new float[K * N];                       // B stored transposed (N, K), batched twice with a shared A
            for (int r = 0; r < K; r++) for (int c = 0; c < N; c++) bt[c * K + r] = b[r * N + c];
            long dbt = context.upload(bt);
            long dc2 = context.allocator().allocate(8L * M * N, context.stream());
            blas.matmulBatched(false, true, M, N, K, 1f, da, 0, dbt, 0, 0f, dc2, (long) M * N, 2);
            float[] got = context.download(dc2, 2 * M * N);
            assertClose(expected, java.util.Arrays.copyOfRange(got, 0, M * N), 8e-3, "batched (B transposed) at BF16, matrix 0");
            assertClose(expected, java.util.Arrays.copyOfRange(got, M * N, 2 * M * N), 8e-3, "batched at BF16, matrix 1");
            context.allocator().free(dbt);
            context.allocator().free(dc2);
            // rounding must really happen: on tensor-core-friendly sizes (multiples of 16) bf16 inputs
            // give a different answer than fp32 ones (cuBLAS may keep fp32 for odd sizes, which is allowed)
            int s = 64;
            float[] a2 = GpuTests.uniform(51, s * s, -1, 1), b2 = GpuTests.uniform(52, s * s, -1, 1);
            long da2 = context.upload(a2), db2 = context.upload(b2), dc3 = context.allocator().allocate(4L * s * s, context.stream());
            double[] exact = reference(a2, b2, s, s, s, false, false);
            blas.matmul(false, false, s, s, s, 1f, da2, db2, 0f, dc3);
            float[] bf = context.download(dc3, s * s);
            assertClose(exact, bf, 8e-3, "matmul 64^3 at BF16");
            double worst = 0;
            for (int i = 0; i < s * s; i++) worst = Math.max(worst, Math.abs(bf[i] - exact[i]));
            assertTrue(worst > 1e-5, "64^3 BF16 products match float32 to " + worst + ": the precision setting had no effect");
            for (long p : new long[] {da2, db2, dc3}) context.allocator().free(p);
        } finally {
            blas.setPrecision(MatmulPrecision.FP32);
        }
        assertEquals(MatmulPrecision.FP32, blas.precision());
        blas.matmulEx(CuBlas.Precision.FP32, M, N, K, 1f, da, db, 0f, dc);
        assertClose(expected, context.download(dc, M * N), 1e-5, "GemmEx fp32");
        blas.matmulEx(CuBlas.Precision.BF16, M, N, K, 1f, da, db, 0f, dc);
        // bf16 keeps 7 mantissa bits: ≲ 2·2^-8 relative per product
        assertClose(expected, context.download(dc, M * N), 8e-3, "GemmEx bf16");
        for (long p : new long[] {da, db, dc}) context.allocator().free(p);
    }
}
