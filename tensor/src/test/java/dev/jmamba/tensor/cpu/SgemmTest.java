package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sgemm (public entry, blocked SIMD path, blocked scalar path) and SgemmReference against EJML's
 * float64 matrix product on seeded random inputs, over edge shapes, transposes, alpha/beta,
 * offsets and padded leading dimensions.
 *
 * <p>Tolerance: fp32 summation of k products has error about sqrt(k) * u * sum_p |a_ip b_pj|
 * (u = 2^-24 ~ 6e-8, random-walk estimate), plus one rounding each for alpha (folded into A) and
 * beta * C. We allow |c - ref| &lt;= 2e-6 * sqrt(max(k, 1)) * (|alpha| |a_i|_2 |b_j|_2 + |beta c_ij|)
 * + 1e-30, where |a_i|_2 |b_j|_2 &gt;= sum_p |a_ip b_pj| (Cauchy-Schwarz): about 30x the estimate,
 * yet a single dropped or doubled term (size ~ |a_i| |b_j| / k) fails for every k used here.
 */
class SgemmTest {
    /** One test case: shape, transposes, scalars, and padding of the stored matrices. */
    record Case(int m, int n, int k, boolean transA, boolean transB, float alpha, float beta, int pad, int off) {
        @Override public String toString() {
            return "m=" + m + " n=" + n + " k=" + k + (transA ? " At" : "") + (transB ? " Bt" : "")
                    + " alpha=" + alpha + " beta=" + beta + " pad=" + pad + " off=" + off;
        }
    }

    /** A GEMM implementation under test (same arguments as Sgemm.sgemm). */
    @FunctionalInterface
    interface Gemm {
        void run(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>();
        int[][] shapes = {
            {1, 1, 1}, {0, 5, 3}, {5, 0, 3}, {4, 5, 0}, {0, 0, 0}, {1, 1, 7}, {2, 3, 4}, {8, 8, 8}, {9, 8, 8},
            {6, 32, 16}, {7, 17, 13}, {13, 31, 37}, {1, 97, 53}, {97, 1, 53}, {61, 67, 1}, {64, 64, 64},
            {97, 131, 300}, {193, 45, 257}, {400, 70, 90}, {6, 4000, 100}, {2, 4100, 3}, {3, 5, 600},
            {19, 35, 2100}}; // the last: K in several blocks (KC <= 1024), the later ones accumulate
        float[][] scalars = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {1.5f, -1f}};
        SplittableRandom rnd = new SplittableRandom(42);
        for (int s = 0; s < shapes.length; s++) {
            for (int t = 0; t < 4; t++) {
                float[] ab = scalars[(s + t) % scalars.length];
                list.add(new Case(shapes[s][0], shapes[s][1], shapes[s][2], (t & 1) != 0, (t & 2) != 0,
                        ab[0], ab[1], t == 3 ? 3 : 0, t >= 2 ? 5 : 0));
            }
        }
        // (97, 131, 300), (193, 45, 257), (400, 70, 90) and (6, 4000, 100) exceed the 2^21 multiply-adds
        // that go parallel; the last has one M block, so the N panels are split across threads.
        for (int r = 0; r < 24; r++) { // random odd shapes
            int m = 1 + rnd.nextInt(150), n = 1 + rnd.nextInt(150), k = 1 + rnd.nextInt(300);
            float[] ab = scalars[rnd.nextInt(scalars.length)];
            list.add(new Case(m, n, k, rnd.nextBoolean(), rnd.nextBoolean(), ab[0], ab[1], rnd.nextInt(4), rnd.nextInt(9)));
        }
        return list.stream();
    }

    @ParameterizedTest @MethodSource("cases")
    void publicEntryMatchesEjml(Case cs) { check(cs, Sgemm::sgemm); }

    @ParameterizedTest @MethodSource("cases")
    void scalarBlockedPathMatchesEjml(Case cs) { check(cs, Sgemm::sgemmScalar); }

    @ParameterizedTest @MethodSource("cases")
    void simdBlockedPathMatchesEjml(Case cs) {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        check(cs, Sgemm::sgemmSimd);
    }

    @ParameterizedTest @MethodSource("cases")
    void everySimdTileShapeAndAPolicyMatchesEjml(Case cs) {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        for (int mr : new int[] {3, 4, 5, 6, 8, 12}) {
            SgemmKernel kernel = SgemmSimd.kernel(mr);
            for (SgemmBlocked.APolicy policy : SgemmBlocked.APolicy.values()) {
                check(cs, (ta, tb, m, n, k, al, a, ao, la, b, bo, lb, be, c, co, lc) -> {
                    if (SgemmChecks.prologue(ta, tb, m, n, k, al, a, ao, la, b, bo, lb, be, c, co, lc)) {
                        SgemmBlocked.sgemm(kernel, policy, ta, tb, m, n, k, al, a, ao, la, b, bo, lb, be, c, co, lc);
                    }
                });
            }
        }
    }

    /** The public entry on 1, 2 and 3 threads (3: more threads than this 2-core machine; chunks and B panels shared unevenly). */
    @ParameterizedTest @MethodSource("cases")
    void publicEntryMatchesEjmlOnOneTwoAndThreeThreads(Case cs) {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                check(cs, Sgemm::sgemm);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @ParameterizedTest @MethodSource("cases")
    void directLoopMatchesEjml(Case cs) {
        if ((long) cs.m() * cs.n() * cs.k() <= 200_000) check(cs, (ta, tb, m, n, k, al, a, ao, la, b, bo, lb, be, c, co, lc) -> {
            if (m > 0 && n > 0) Sgemm.direct(ta, tb, m, n, k, al, a, ao, la, b, bo, lb, be, c, co, lc);
        });
    }

    @ParameterizedTest @MethodSource("cases")
    void referenceMatchesEjml(Case cs) {
        if ((long) cs.m() * cs.n() * cs.k() <= 200_000) check(cs, SgemmReference::sgemm);
    }

    /** Runs gemm on padded, offset storage and compares with EJML; also checks padding is untouched. */
    private static void check(Case cs, Gemm gemm) {
        SplittableRandom rnd = new SplittableRandom(31L * cs.hashCode() + 7);
        int m = cs.m(), n = cs.n(), k = cs.k();
        int aRows = cs.transA() ? k : m, aCols = cs.transA() ? m : k;
        int bRows = cs.transB() ? n : k, bCols = cs.transB() ? k : n;
        int lda = aCols + cs.pad(), ldb = bCols + cs.pad(), ldc = n + cs.pad();
        float[] a = random(rnd, cs.off() + aRows * lda + 2), b = random(rnd, cs.off() + bRows * ldb + 2);
        float[] c = random(rnd, cs.off() + m * ldc + 2);
        float[] c0 = c.clone();
        if (cs.beta() == 0f && n > 0) for (int i = 0; i < m; i++) c[cs.off() + i * ldc] = Float.NaN; // beta == 0 must not read C

        DMatrixRMaj opA = new DMatrixRMaj(m, k), opB = new DMatrixRMaj(k, n), prod = new DMatrixRMaj(m, n);
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) opA.set(i, p, cs.transA() ? a[cs.off() + p * lda + i] : a[cs.off() + i * lda + p]);
        for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) opB.set(p, j, cs.transB() ? b[cs.off() + j * ldb + p] : b[cs.off() + p * ldb + j]);
        CommonOps_DDRM.mult(opA, opB, prod);

        gemm.run(cs.transA(), cs.transB(), m, n, k, cs.alpha(), a, cs.off(), lda, b, cs.off(), ldb, cs.beta(), c, cs.off(), ldc);

        double root = Math.sqrt(Math.max(k, 1));
        for (int i = 0; i < m; i++) {
            double rowA = 0;
            for (int p = 0; p < k; p++) rowA += opA.get(i, p) * opA.get(i, p);
            for (int j = 0; j < n; j++) {
                double colB = 0;
                for (int p = 0; p < k; p++) colB += opB.get(p, j) * opB.get(p, j);
                int ci = cs.off() + i * ldc + j;
                double old = cs.beta() == 0f ? 0 : (double) cs.beta() * c0[ci];
                double want = cs.alpha() * prod.get(i, j) + old;
                double tol = 2e-6 * root * (Math.abs(cs.alpha()) * Math.sqrt(rowA * colB) + Math.abs(old)) + 1e-30;
                if (!(Math.abs(c[ci] - want) <= tol)) {
                    fail(cs + ": C(" + i + ", " + j + ") = " + c[ci] + ", expected " + want + " +- " + tol);
                }
            }
        }
        for (int x = 0; x < c.length; x++) { // everything outside the (m, n) window is untouched
            int rel = x - cs.off();
            boolean inside = rel >= 0 && rel < m * ldc && rel % ldc < n;
            if (!inside) assertEquals(c0[x], c[x], cs + ": C storage at " + x + " outside the matrix changed");
        }
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    @Test
    void batchedEqualsLoopOfSingleProducts() {
        SplittableRandom rnd = new SplittableRandom(3);
        int batch = 3, m = 20, n = 33, k = 41;
        float[] a = random(rnd, batch * m * k), b = random(rnd, batch * k * n); // (batch, m, k), (batch, k, n)
        float[] c = new float[batch * m * n], want = new float[batch * m * n];   // (batch, m, n)
        Sgemm.sgemmBatched(false, false, m, n, k, 1f, a, 0, k, (long) m * k, b, 0, n, (long) k * n, 0f, c, 0, n, (long) m * n, batch);
        for (int t = 0; t < batch; t++) {
            Sgemm.sgemm(false, false, m, n, k, 1f, a, t * m * k, k, b, t * k * n, n, 0f, want, t * m * n, n);
        }
        assertTrue(java.util.Arrays.equals(want, c));
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] x = new float[12];
        var e = assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertTrue(e.getMessage().contains("m=-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemm(false, false, 2, 2, 3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertTrue(e.getMessage().contains("leading dimension of A") && e.getMessage().contains("3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemm(false, true, 3, 3, 3, 1f, x, 0, 3, x, 4, 3, 0f, x, 0, 3));
        assertTrue(e.getMessage().contains("B (transB") && e.getMessage().contains("needs 13"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemm(false, false, 4, 4, 1, 1f, x, 0, 1, x, 0, 4, 0f, x, 0, 4));
        assertTrue(e.getMessage().contains("C (4, 4)") && e.getMessage().contains("array has 12"), e.getMessage());
    }
}
