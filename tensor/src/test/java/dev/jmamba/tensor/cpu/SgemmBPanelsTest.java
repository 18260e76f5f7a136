package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The driver's shared B panels ({@link SgemmBlocked.BPanels}): the first chunk to need a panel packs it into the
 * shared buffer, later ones read it there, and one that needs it while another chunk is still packing it packs its own
 * copy instead of waiting (the wait was the slow state of small products on two threads, GEMM-NOTES.md 2026-12-05 #15).
 * A kernel whose first B pack blocks on a latch makes the "while" deterministic.
 */
class SgemmBPanelsTest {
    /** Delegates to the scalar kernel; its first packBPanel call signals, then waits for the test to release it. */
    private static final class BlockingPackKernel implements SgemmKernel {
        final CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        private volatile boolean first = true;

        @Override public int mr() { return SgemmScalarKernel.INSTANCE.mr(); }
        @Override public int nr() { return SgemmScalarKernel.INSTANCE.nr(); }
        @Override public String describe() { return "blocking pack"; }

        @Override public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
            SgemmScalarKernel.INSTANCE.tile(kc, ap, apOff, bp, bpOff, beta, c, cOff, ldc);
        }

        @Override public void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float alpha, float[] ap, int apOff) {
            SgemmScalarKernel.INSTANCE.packA(transA, a, aOff, lda, i0, rows, p0, kc, alpha, ap, apOff);
        }

        @Override public void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] bp, int dst) {
            if (first) {
                first = false;
                inside.countDown();
                try {
                    if (!release.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("the test never released the pack");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            SgemmScalarKernel.INSTANCE.packBPanel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst);
        }
    }

    @Test
    void aChunkThatFindsAPanelBeingPackedPacksItsOwnCopyWithoutWaiting() throws Exception {
        int k = 37, kc = 20, n = 3 * SgemmScalarKernel.INSTANCE.nr() + 1, nr = SgemmScalarKernel.INSTANCE.nr();
        int nPanels = Math.ceilDiv(n, nr);
        float[] b = new float[k * n]; // (k, n), untransposed
        SplittableRandom rnd = new SplittableRandom(22);
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble(-1, 1);
        float[] shared = new float[k * nPanels * nr];
        BlockingPackKernel kernel = new BlockingPackKernel();
        SgemmBlocked.BPanels panels = new SgemmBlocked.BPanels(kernel, false, b, 0, n, 0, n, k, kc, nPanels, shared);

        // the panel (K block 1, panel 2) as the plain kernel packs it: what every copy must hold
        int p0 = kc, kcb = k - kc, q = 2;
        float[] want = new float[kcb * nr];
        SgemmScalarKernel.INSTANCE.packBPanel(false, b, 0, n, p0, kcb, q * nr, nr, want, 0);

        // chunk 1 claims the panel and blocks inside its pack
        float[] own1 = new float[kc * nr];
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> panels.ready(1, q, own1));
        assertTrue(kernel.inside.await(10, TimeUnit.SECONDS), "the first chunk never started packing");

        // chunk 2 needs the same panel meanwhile: its own copy, at once (a wait would block until the release below)
        float[] own2 = new float[kc * nr];
        int second = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> panels.ready(1, q, own2),
                "a chunk waited for another chunk's packing");
        assertEquals(SgemmBlocked.BPanels.OWN_COPY, second);
        assertArrayEquals(want, Arrays.copyOf(own2, want.length), "the own copy of the panel");

        kernel.release.countDown();
        int offset = first.get(10, TimeUnit.SECONDS);
        assertTrue(offset >= 0, "the chunk that claimed the panel got " + offset);
        assertArrayEquals(want, Arrays.copyOfRange(shared, offset, offset + want.length), "the shared panel");

        // once packed, every later chunk reads the shared panel (and its own buffer is left alone)
        float[] own3 = new float[kc * nr];
        assertEquals(offset, panels.ready(1, q, own3));
        assertArrayEquals(new float[kc * nr], own3, "a ready panel was copied again");
    }
}
