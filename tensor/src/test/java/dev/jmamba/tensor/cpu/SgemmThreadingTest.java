package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the blocked driver uses threads, checked deterministically through a watching kernel that
 * records the threads that call it, counts the packs of each B panel and sleeps 20 ms in its first
 * tile (so a pool worker that is going to take part surely wakes while the caller is busy):
 * below the parallel threshold every kernel call is on the caller's thread; at any size each B
 * panel of a GEMM is packed exactly once; and the result matches a plain loop.
 *
 * <p>The 2026-12-03 race: (197, 96)ᵀ · (96, 38)ᵀ, the per-image GEMM, was then below the threshold with two M
 * blocks. The driver decided on one thread (unsynchronised B panel flags) while {@link Parallel#forChunks} still
 * handed the second block to a pool worker; this test failed on that code. It is still below the threshold (now
 * 2 * 2^19 multiply-adds); (2100, 8, 8) (134400 multiply-adds, three M blocks of at most 1024 rows) is a second case.
 */
class SgemmThreadingTest {
    /** Delegates to a real kernel, recording threads and B panel packs. */
    static final class WatchingKernel implements SgemmKernel {
        final SgemmKernel inner;
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final Map<Integer, AtomicInteger> bPacks = new ConcurrentHashMap<>();
        final AtomicBoolean slept = new AtomicBoolean();

        WatchingKernel(SgemmKernel inner) { this.inner = inner; }

        @Override public int mr() { return inner.mr(); }
        @Override public int nr() { return inner.nr(); }
        @Override public String describe() { return "watching " + inner.describe(); }
        @Override public boolean readsRowsDirectly() { return inner.readsRowsDirectly(); }

        private void enter() {
            threads.add(Thread.currentThread());
            if (slept.compareAndSet(false, true)) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
            enter();
            inner.tile(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        }

        @Override public void tileRows(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
            enter();
            inner.tileRows(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
        }

        @Override public void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float alpha, float[] ap, int apOff) {
            threads.add(Thread.currentThread());
            inner.packA(transA, a, aOff, lda, i0, rows, p0, kc, alpha, ap, apOff);
        }

        @Override public void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp, int dst) {
            threads.add(Thread.currentThread());
            bPacks.computeIfAbsent(dst, d -> new AtomicInteger()).incrementAndGet();
            inner.packBPanel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst);
        }
    }

    private static SgemmKernel realKernel() {
        return SimdSupport.ENABLED ? SgemmSimd.kernel() : SgemmScalarKernel.INSTANCE;
    }

    /** Runs op(A)·op(B) through the watching kernel and checks the result against a plain double loop. */
    private static WatchingKernel run(int m, int n, int k, boolean transA, boolean transB) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() * 2 - 1);
        int lda = transA ? m : k, ldb = transB ? k : n;
        WatchingKernel kernel = new WatchingKernel(realKernel());
        SgemmBlocked.sgemm(kernel, transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = 0, bound = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? a[p * lda + i] : a[i * lda + p], y = transB ? b[j * ldb + p] : b[p * ldb + j];
                    want += x * y;
                    bound += Math.abs(x * y);
                }
                // fp32 sums of k products: |error| <= k * 2^-24 * sum |x y| (worst case), well below a dropped term
                double tol = k * 0x1p-24 * bound + 1e-30;
                assertTrue(Math.abs(c[i * n + j] - want) <= tol, "C(" + i + ", " + j + ") = " + c[i * n + j] + ", expected " + want);
            }
        }
        return kernel;
    }

    private static void eachPanelPackedOnce(WatchingKernel kernel) {
        assertTrue(!kernel.bPacks.isEmpty(), "no B panel was packed");
        kernel.bPacks.forEach((dst, count) -> assertEquals(1, count.get(), "B panel at " + dst + " packed " + count + " times"));
    }

    @ParameterizedTest @ValueSource(ints = {2, 4})
    void belowTheThresholdEverythingRunsOnTheCaller(int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            for (boolean transA : new boolean[] {true, false}) {
                for (int[] mnk : new int[][] {{197, 38, 96}, {2100, 8, 8}}) {
                    WatchingKernel kernel = run(mnk[0], mnk[1], mnk[2], transA, true);
                    assertEquals(Set.of(Thread.currentThread()), kernel.threads,
                            "a GEMM below the parallel threshold ran on " + kernel.threads);
                    eachPanelPackedOnce(kernel);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @ParameterizedTest @ValueSource(ints = {2, 4})
    void aboveTheThresholdEachBPanelIsPackedOnce(int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            // (400, 70, 90): M blocks; (6, 4000, 100): one M block, N split; (197, 300, 800): K blocks too
            eachPanelPackedOnce(run(400, 70, 90, true, true));
            eachPanelPackedOnce(run(6, 4000, 100, false, false));
            eachPanelPackedOnce(run(197, 300, 800, true, false));
        } finally {
            Parallel.setThreads(before);
        }
    }
}
