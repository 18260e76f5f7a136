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
 * handed the second block to a pool worker; this test failed on that code. Since the threshold moved to 2 * 2^18
 * multiply-adds it runs on two threads (a case of the test above the threshold); below it, (197, 38, 64) (479104
 * multiply-adds) and (2100, 8, 8) (134400, three M blocks of at most 1024 rows).
 */
class SgemmThreadingTest {
    /** Delegates to a real kernel, recording threads and B panel packs. */
    static final class WatchingKernel implements SgemmKernel {
        final SgemmKernel inner;
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        /** Packs per (buffer, offset): the shared buffer's panels, and chunks' own copies (always at offset 0). */
        final Map<PanelAt, AtomicInteger> bPacks = new ConcurrentHashMap<>();
        /** The threads whose tiles read each packed panel. */
        final Map<PanelAt, Set<Thread>> panelReaders = new ConcurrentHashMap<>();
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

        private void read(float[] bp, int bpOff) {
            panelReaders.computeIfAbsent(new PanelAt(bp, bpOff), p -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread());
        }

        @Override public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
            enter();
            read(bp, bpOff);
            inner.tile(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        }

        @Override public void tileRows(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
            enter();
            read(bp, bpOff);
            inner.tileRows(kc, a, aOff, lda, bp, bpOff, beta, c, cOff, ldc);
        }

        @Override public void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float alpha, float[] ap, int apOff) {
            threads.add(Thread.currentThread());
            inner.packA(transA, a, aOff, lda, i0, rows, p0, kc, alpha, ap, apOff);
        }

        @Override public void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp, int dst) {
            threads.add(Thread.currentThread());
            bPacks.computeIfAbsent(new PanelAt(bp, dst), d -> new AtomicInteger()).incrementAndGet();
            inner.packBPanel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst);
        }
    }

    /** A packed B panel: its buffer (compared by identity, as arrays are) and offset. */
    record PanelAt(float[] buffer, int offset) {}

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

    /**
     * Every panel of the shared buffer (the only buffer, or the one with packs at more than one offset) is packed exactly
     * once: never re-packed while another chunk may be multiplying it. Chunks' own copies (packed
     * while another chunk was packing the same panel, always at offset 0 of a thread's own buffer) are allowed.
     */
    private static void eachPanelPackedOnce(WatchingKernel kernel) {
        assertTrue(!kernel.bPacks.isEmpty(), "no B panel was packed");
        Map<float[], Long> offsetsPerBuffer = new java.util.IdentityHashMap<>();
        kernel.bPacks.keySet().forEach(p -> offsetsPerBuffer.merge(p.buffer(), 1L, Long::sum));
        float[] shared = offsetsPerBuffer.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertTrue(offsetsPerBuffer.size() == 1 || offsetsPerBuffer.get(shared) > 1,
                "one B panel packed into several buffers: which is the shared one is not known");
        kernel.bPacks.forEach((p, count) -> {
            if (p.buffer() == shared) assertEquals(1, count.get(), "B panel at " + p.offset() + " packed " + count + " times");
            else assertEquals(0, p.offset(), "a B panel packed at " + p.offset() + " of a buffer other than the shared one");
        });
    }

    @ParameterizedTest @ValueSource(ints = {2, 4})
    void belowTheThresholdEverythingRunsOnTheCaller(int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            for (boolean transA : new boolean[] {true, false}) {
                for (int[] mnk : new int[][] {{197, 38, 64}, {2100, 8, 8}}) {
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
            // (400, 70, 90): M blocks; (6, 4000, 100): one M block, N split; (197, 300, 800): K blocks too; (197, 38, 96):
            // the race's product
            eachPanelPackedOnce(run(400, 70, 90, true, true));
            eachPanelPackedOnce(run(197, 38, 96, true, true));
            eachPanelPackedOnce(run(6, 4000, 100, false, false));
            eachPanelPackedOnce(run(197, 300, 800, true, false));
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * A product whose M fits one MC block is split by B panels only ({@code jmamba.gemm.splitNOnly}): each packed
     * panel is read by one thread, the one that packed it. Cut into M blocks instead, both threads read every panel
     * (this fails with {@code -Djmamba.gemm.splitNOnly=false}); the 20 ms first tile makes sure a helper joins.
     */
    @ParameterizedTest @ValueSource(ints = {2, 4})
    void anMThatFitsOneBlockIsSplitByPanelsSoNoPanelIsShared(int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            for (int[] s : new int[][] {{128, 128, 128, 0, 0}, {196, 1536, 384, 0, 1}, {100, 200, 110, 1, 0}}) {
                WatchingKernel kernel = run(s[0], s[1], s[2], s[3] == 1, s[4] == 1);
                eachPanelPackedOnce(kernel);
                kernel.panelReaders.forEach((p, readers) -> assertEquals(1, readers.size(),
                        java.util.Arrays.toString(s) + ": B panel at " + p.offset() + " read by " + readers));
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
