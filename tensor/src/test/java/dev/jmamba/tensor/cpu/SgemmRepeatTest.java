package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stress test: the same float32 batched product with a transposed-stored A, repeated 1000 times with
 * 2 and 4 threads ({@link Parallel#setThreads}, what {@code -Djmamba.threads} sets), gives the same
 * bits every time and matches the float64 product.
 *
 * <p>The shapes are the ones that failed on 2026-12-03: (4, 197, 96)ᵀ · (96, 38)ᵀ (LocalMamba's
 * x_proj) and (2, 196, 64)ᵀ · (64, 36). Each per-item GEMM was then below the driver's parallel threshold
 * (they still are) with two M blocks (m &gt; 192); the driver ran its chunks on two threads although it had
 * decided on one, so two threads packed the same B panels without synchronisation and one read a
 * panel another was zero-filling (errors ~20–31). On that code this test failed in every run at both
 * thread counts (7–35 of 300 calls wrong per shape, see notes/22-gemm2.md); {@link SgemmThreadingTest}
 * catches the same bug deterministically.
 *
 * <p>Tolerance against the float64 product: 2e-6 * sqrt(k) * |a_i|_2 |b_j|_2, as in {@link SgemmTest}
 * (a dropped term of size ~|a_i| |b_j| / sqrt(k) is ~100x larger).
 */
class SgemmRepeatTest {
    /** batch, m, k, n of the product (batch, m, k) · (k, n); A stored (batch, k, m), B stored (n, k) or (k, n). */
    private static final int REPEATS = 1000;

    record Shape(int batch, int m, int k, int n, boolean transB, int threads) {}

    static List<Shape> shapes() {
        List<Shape> list = new ArrayList<>();
        for (int threads : new int[] {2, 4}) {
            list.add(new Shape(4, 197, 96, 38, true, threads));
            list.add(new Shape(2, 196, 64, 36, false, threads));
            list.add(new Shape(2, 196, 64, 36, true, threads));
        }
        return list;
    }

    @ParameterizedTest @MethodSource("shapes")
    void repeatedTransposedProductsAreIdenticalAndRight(Shape s) {
        int before = Parallel.threads();
        Parallel.setThreads(s.threads());
        try {
            Tensor x = Tensor.random(RandomKind.NORMAL, 1, 0, 1, DType.F32, Device.CPU, s.batch(), s.k(), s.m()).transpose(1, 2);
            Tensor w = s.transB()
                    ? Tensor.random(RandomKind.NORMAL, 3, 0, 1, DType.F32, Device.CPU, s.n(), s.k()).transpose(0, 1)
                    : Tensor.random(RandomKind.NORMAL, 3, 0, 1, DType.F32, Device.CPU, s.k(), s.n());
            double[] want = x.to(DType.F64).matmul(w.to(DType.F64)).toDoubleArray();
            double[] xs = x.contiguous().toDoubleArray(), ws = w.contiguous().toDoubleArray();
            float[] first = x.matmul(w).toFloatArray();
            checkAgainst(s, want, xs, ws, first);
            int differ = 0;
            String firstDiff = null;
            for (int rep = 0; rep < REPEATS; rep++) {
                float[] y = x.matmul(w).toFloatArray();
                for (int i = 0; i < y.length; i++) {
                    if (Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(first[i])) {
                        differ++;
                        if (firstDiff == null) firstDiff = "call " + rep + ", element " + i + ": " + y[i] + " vs " + first[i];
                        break;
                    }
                }
            }
            assertEquals(0, differ, s + ": " + differ + " of " + REPEATS + " calls differ from the first (" + firstDiff + ")");
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static void checkAgainst(Shape s, double[] want, double[] x, double[] w, float[] got) {
        int m = s.m(), k = s.k(), n = s.n();
        for (int t = 0; t < s.batch(); t++) {
            for (int i = 0; i < m; i++) {
                double rowA = 0;
                for (int p = 0; p < k; p++) rowA += x[(t * m + i) * k + p] * x[(t * m + i) * k + p];
                for (int j = 0; j < n; j++) {
                    double colB = 0;
                    for (int p = 0; p < k; p++) colB += w[p * n + j] * w[p * n + j];
                    int at = (t * m + i) * n + j;
                    double tol = 2e-6 * Math.sqrt(k) * Math.sqrt(rowA * colB);
                    if (!(Math.abs(got[at] - want[at]) <= tol)) fail(s + ": C(" + t + ", " + i + ", " + j + ") = " + got[at] + ", expected " + want[at] + " +- " + tol);
                }
            }
        }
    }
}
