package dev.jmamba.tensor.cpu;

import static dev.jmamba.tensor.cpu.SgemmTestValues.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The driver runs C = A^T B^T as C^T = B A (both operands untransposed, the tiles of C^T written
 * transposed into C, C split among threads by its rows). Checked against the float64
 * {@link SgemmReference} on seeded inputs for every tile shape, A policy and 1, 2 and 3 threads:
 * the model shapes 197x44x384 and 50x19x96, edge tiles in both directions, alpha and beta,
 * offsets and padded leading dimensions (the padding of C must stay untouched), and a K of 2100 in
 * three blocks that run side by side on threads (partial products added into the transposed C).
 * The result must also be the same bits on 1, 2 and 3 threads.
 *
 * <p>Tolerance as in SgemmTest: |c - ref| &lt;= 2e-6 sqrt(k) (|alpha| |a_i|_2 |b_j|_2 + |beta c|)
 * + 1e-30, about 30x the random-walk estimate of fp32 summation error, while a dropped or doubled
 * term (size ~ |a_i| |b_j| / k) fails for every k used here.
 */
class SgemmSwapTest {
    /** m, n, k, pad of the leading dimensions, offset; alpha and beta vary per case. */
    private static final int[][] SHAPES = {
        {197, 44, 384, 0, 0}, {50, 19, 96, 0, 0}, {197, 192, 384, 3, 5}, {44, 197, 384, 1, 2},
        {37, 70, 2100, 0, 0}, {5, 300, 40, 2, 1}, {300, 5, 40, 0, 3}, {9, 33, 17, 4, 0}};
    private static final float[][] SCALARS = {{1f, 0f}, {-0.5f, 2f}, {1f, 1f}, {1.5f, -1f}};

    @Test
    void everyKernelAndPolicyMatchesTheReference() {
        List<SgemmKernel> kernels = new ArrayList<>(List.of(SgemmScalarKernel.INSTANCE));
        if (SimdSupport.ENABLED) for (int mr : new int[] {3, 4, 8}) kernels.add(SgemmSimd.kernel(mr));
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int s = 0; s < SHAPES.length; s++) {
                    float[] ab = SCALARS[s % SCALARS.length];
                    for (SgemmKernel kernel : kernels) {
                        for (SgemmBlocked.APolicy policy : SgemmBlocked.APolicy.values()) {
                            run(SHAPES[s], ab[0], ab[1], kernel, policy, kernel.describe() + " " + policy + " threads " + threads);
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void sameBitsOnOneTwoAndThreeThreads() {
        int before = Parallel.threads();
        try {
            for (int s = 0; s < SHAPES.length; s++) {
                float[] ab = SCALARS[s % SCALARS.length], first = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] c = run(SHAPES[s], ab[0], ab[1], null, null, "public entry, threads " + threads);
                    if (first == null) first = c;
                    else assertArrayEquals(first, c, "shape " + java.util.Arrays.toString(SHAPES[s]) + " on " + threads + " threads");
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * With alpha = 1 the swapped product does the same multiply-adds in the same order as the
     * driver run on A^T B^T as such (b * a for a * b): the same bits, on 1 and 2 threads.
     */
    @Test
    void sameBitsAsTheUnswappedDriver() {
        int before = Parallel.threads();
        SgemmKernel kernel = SimdSupport.ENABLED ? SgemmSimd.kernel() : SgemmScalarKernel.INSTANCE;
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int[] shape : SHAPES) {
                    int m = shape[0], n = shape[1], k = shape[2], pad = shape[3], off = shape[4];
                    SplittableRandom rnd = new SplittableRandom(77L * m + n + k);
                    int lda = m + pad, ldb = k + pad, ldc = n + pad;
                    float[] a = random(rnd, off + k * lda), b = random(rnd, off + n * ldb), c0 = random(rnd, off + m * ldc);
                    float[] swapped = c0.clone(), plain = c0.clone();
                    SgemmBlocked.sgemm(kernel, SgemmBlocked.APolicy.AUTO, true, true, m, n, k, 1f, a, off, lda, b, off, ldb, 0.5f, swapped, off, ldc);
                    SgemmBlocked.blocked(kernel, SgemmBlocked.APolicy.AUTO, true, true, m, n, k, 1f, a, off, lda, b, off, ldb, 0.5f, plain, off, ldc, 1);
                    assertArrayEquals(plain, swapped, m + "x" + n + "x" + k + " on " + threads + " threads");
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** Runs A^T B^T on padded, offset storage (kernel null: the public entry); checks it and returns C's storage. */
    private static float[] run(int[] shape, float alpha, float beta, SgemmKernel kernel, SgemmBlocked.APolicy policy, String what) {
        long seed = 1000L * shape[0] + 10L * shape[1] + shape[2];
        return SgemmTestValues.runTransposedBoth(shape, alpha, beta, seed, what, (m, n, k, al, a, off, lda, b, ldb, be, c, ldc) -> {
            if (kernel == null) Sgemm.sgemm(true, true, m, n, k, al, a, off, lda, b, off, ldb, be, c, off, ldc);
            else SgemmBlocked.sgemm(kernel, policy, true, true, m, n, k, al, a, off, lda, b, off, ldb, be, c, off, ldc);
        });
    }
}
