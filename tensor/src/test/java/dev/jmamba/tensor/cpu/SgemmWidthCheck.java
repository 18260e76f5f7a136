package dev.jmamba.tensor.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The body of {@link SgemmVectorWidthTest}, run in a child JVM whose flags fix the vector width
 * (a static final species cannot change inside one JVM): every Vector API tile shape and A policy
 * of the blocked driver, on 1, 2 and 3 threads, over odd edge sizes, all four transpose cases,
 * alpha/beta, padded leading dimensions and offsets, against the plain-loop {@link SgemmReference}
 * (float64 dot products). Prints one line per failure and exits 1 if there was any; exit 3 when the
 * kernel does not have the width asked for (the flags did not take).
 *
 * <p>Usage: {@code SgemmWidthCheck BITS} (with {@code -Djmamba.gemm.vbits=BITS}).
 *
 * <p>Tolerance, as in {@link SgemmTest}: |c - ref| &lt;= 2e-6 * sqrt(k) * (|alpha| |a_i|_2 |b_j|_2 +
 * |beta c_ij|): about 30x the random-walk estimate of float32 summation error, while one dropped or
 * doubled product fails.
 */
final class SgemmWidthCheck {
    private SgemmWidthCheck() {}

    /** One case: op(A) (m, k), op(B) (k, n), C (m, n); storage padded by pad, starting at off. */
    record Case(int m, int n, int k, boolean transA, boolean transB, float alpha, float beta, int pad, int off) {
        @Override public String toString() {
            return "m=" + m + " n=" + n + " k=" + k + (transA ? " At" : "") + (transB ? " Bt" : "")
                    + " alpha=" + alpha + " beta=" + beta + " pad=" + pad + " off=" + off;
        }
    }

    public static void main(String[] args) {
        int bits = Integer.parseInt(args[0]);
        String kernel = SgemmSimd.kernel().describe();
        System.out.println("kernel: " + kernel + "; " + Sgemm.describe());
        if (!kernel.contains(bits + "-bit")) {
            System.out.println("the kernel is not " + bits + "-bit: " + kernel);
            System.exit(3);
        }
        int failures = 0, runs = 0;
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (Case cs : cases()) {
                boolean big = (long) cs.m() * cs.n() * cs.k() > 300_000;
                for (int mr : big ? new int[] {3, 4, 8} : new int[] {3, 4, 5, 6, 8, 12}) { // big: the defaults of both widths
                    SgemmKernel k = SgemmSimd.kernel(mr);
                    for (SgemmBlocked.APolicy policy : big ? new SgemmBlocked.APolicy[] {SgemmBlocked.APolicy.AUTO} : SgemmBlocked.APolicy.values()) {
                        String error = check(cs, k, policy);
                        runs++;
                        if (error != null) {
                            failures++;
                            if (failures <= 20) System.out.println("FAIL " + bits + "-bit mr=" + mr + " " + policy + " threads=" + threads + " " + cs + ": " + error);
                        }
                    }
                }
            }
        }
        System.out.println(runs + " products checked, " + failures + " wrong");
        System.exit(failures == 0 ? 0 : 1);
    }

    static List<Case> cases() {
        List<Case> list = new ArrayList<>();
        int[][] shapes = {
            {1, 1, 1}, {1, 1, 9}, {5, 17, 3}, {7, 33, 13}, {13, 31, 37}, {17, 15, 65}, {33, 65, 129}, {1, 97, 53},
            {97, 1, 53}, {61, 67, 2},
            // a last B panel of exactly half the tile width (the half-width tiles, full rows): 512-bit, 256-bit
            {21, 48, 29}, {19, 40, 33},
            // a last panel of 5 columns after full ones (the 3-row kernel's 6-row narrow tile), 25 rows: 4 groups + 1 row
            {25, 53, 19},
            // above the 2^21 multiply-adds that go parallel: many M blocks; one M block (N split); long K;
            // K in three blocks (KC <= 1024: the later blocks accumulate into C)
            {150, 129, 111}, {6, 600, 700}, {130, 17, 1000}, {37, 70, 2100}};
        float[][] scalars = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {1.5f, -1f}};
        for (int s = 0; s < shapes.length; s++) {
            for (int t = 0; t < 4; t++) {
                float[] ab = scalars[(s + t) % scalars.length];
                list.add(new Case(shapes[s][0], shapes[s][1], shapes[s][2], (t & 1) != 0, (t & 2) != 0,
                        ab[0], ab[1], t == 3 ? 3 : 0, t >= 2 ? 5 : 0));
            }
        }
        return list;
    }

    /** Runs the blocked driver with this kernel and policy; null when right, else what was wrong. */
    static String check(Case cs, SgemmKernel kernel, SgemmBlocked.APolicy policy) {
        SplittableRandom rnd = new SplittableRandom(31L * cs.hashCode() + 7);
        int m = cs.m(), n = cs.n(), k = cs.k();
        int aRows = cs.transA() ? k : m, aCols = cs.transA() ? m : k;
        int bRows = cs.transB() ? n : k, bCols = cs.transB() ? k : n;
        int lda = aCols + cs.pad(), ldb = bCols + cs.pad(), ldc = n + cs.pad();
        float[] a = random(rnd, cs.off() + aRows * lda + 2), b = random(rnd, cs.off() + bRows * ldb + 2);
        float[] c = random(rnd, cs.off() + m * ldc + 2), c0 = c.clone(), want = c.clone();
        if (cs.beta() == 0f) for (int i = 0; i < m; i++) c[cs.off() + i * ldc] = Float.NaN; // beta == 0 must not read C
        SgemmReference.sgemm(cs.transA(), cs.transB(), m, n, k, cs.alpha(), a, cs.off(), lda, b, cs.off(), ldb, cs.beta(), want, cs.off(), ldc);
        if (SgemmChecks.prologue(cs.transA(), cs.transB(), m, n, k, cs.alpha(), a, cs.off(), lda, b, cs.off(), ldb, cs.beta(), c, cs.off(), ldc)) {
            SgemmBlocked.sgemm(kernel, policy, cs.transA(), cs.transB(), m, n, k, cs.alpha(), a, cs.off(), lda, b, cs.off(), ldb, cs.beta(), c, cs.off(), ldc);
        }
        double root = Math.sqrt(Math.max(k, 1));
        for (int i = 0; i < m; i++) {
            double rowA = 0;
            for (int p = 0; p < k; p++) {
                double v = cs.transA() ? a[cs.off() + p * lda + i] : a[cs.off() + i * lda + p];
                rowA += v * v;
            }
            for (int j = 0; j < n; j++) {
                double colB = 0;
                for (int p = 0; p < k; p++) {
                    double v = cs.transB() ? b[cs.off() + j * ldb + p] : b[cs.off() + p * ldb + j];
                    colB += v * v;
                }
                int ci = cs.off() + i * ldc + j;
                double old = cs.beta() == 0f ? 0 : (double) cs.beta() * c0[ci];
                double tol = 2e-6 * root * (Math.abs(cs.alpha()) * Math.sqrt(rowA * colB) + Math.abs(old)) + 1e-30;
                if (!(Math.abs(c[ci] - (double) want[ci]) <= tol)) {
                    return "C(" + i + ", " + j + ") = " + c[ci] + ", reference " + want[ci] + " +- " + tol;
                }
            }
        }
        for (int x = 0; x < c.length; x++) {
            int rel = x - cs.off();
            boolean inside = rel >= 0 && rel < m * ldc && rel % ldc < n;
            if (!inside && c[x] != c0[x]) return "C storage at " + x + " outside the matrix changed";
        }
        return null;
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
