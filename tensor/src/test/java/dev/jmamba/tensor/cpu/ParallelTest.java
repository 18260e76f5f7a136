package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link Parallel}: every chunk (forChunks) and every index (forRange, forBlocks) runs exactly once, from any
 * thread count and from several submitting threads at once; failures reach the caller.
 */
class ParallelTest {
    @Test
    void everyChunkRunsExactlyOnce() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 8}) {
                Parallel.setThreads(threads);
                for (int chunks : new int[] {0, 1, 2, 3, 7, 64, 1000}) {
                    for (int round = 0; round < 20; round++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, chunks));
                        Parallel.forChunks(chunks, i -> runs.incrementAndGet(i));
                        for (int i = 0; i < chunks; i++) assertEquals(1, runs.get(i), "threads " + threads + ", chunks " + chunks + ", chunk " + i);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void maxThreadsCapsTheThreadsThatRunChunks() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(4);
            for (int max : new int[] {1, 2}) {
                for (int round = 0; round < 20; round++) {
                    java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
                    AtomicIntegerArray runs = new AtomicIntegerArray(64);
                    Parallel.forChunks(64, max, i -> {
                        seen.add(Thread.currentThread());
                        runs.incrementAndGet(i);
                        if (i == 0) {
                            try {
                                Thread.sleep(5); // give woken workers time to claim chunks
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
                    for (int i = 0; i < 64; i++) assertEquals(1, runs.get(i), "max " + max + ", chunk " + i);
                    if (max == 1) assertEquals(java.util.Set.of(Thread.currentThread()), seen, "max 1 ran on " + seen);
                    else assertTrue(seen.size() <= max, "max " + max + " ran on " + seen);
                }
            }
            assertThrows(dev.jmamba.tensor.JmambaException.class, () -> Parallel.forChunks(3, 0, i -> {}));
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void nestedCallsRunInline() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            AtomicIntegerArray runs = new AtomicIntegerArray(16);
            Parallel.forChunks(4, i -> Parallel.forChunks(4, j -> runs.incrementAndGet(4 * i + j)));
            for (int i = 0; i < 16; i++) assertEquals(1, runs.get(i), "chunk " + i);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void aFailingChunkIsRethrownAfterTheOthersRan() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            IllegalStateException boom = new IllegalStateException("chunk 5 failed");
            AtomicIntegerArray runs = new AtomicIntegerArray(10);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forChunks(10, i -> {
                runs.incrementAndGet(i);
                if (i == 5) throw boom;
            }));
            assertSame(boom, thrown);
            for (int i = 0; i < 10; i++) assertEquals(1, runs.get(i), "chunk " + i);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void forRangeAndForBlocksCoverEveryIndexOnce() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 8}) {
                Parallel.setThreads(threads);
                for (int n : new int[] {0, 1, 2, 5, 31, 64, 1000, 4097}) {
                    for (int grain : new int[] {1, 3, 64, 5000}) {
                        AtomicIntegerArray range = new AtomicIntegerArray(Math.max(1, n));
                        Parallel.forRange(n, grain, range::incrementAndGet);
                        AtomicIntegerArray blocks = new AtomicIntegerArray(Math.max(1, n));
                        java.util.Set<Integer> sizes = java.util.concurrent.ConcurrentHashMap.newKeySet();
                        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
                        Parallel.forBlocks(n, grain, (s0, e0) -> {
                            assertTrue(s0 < e0, "empty block " + s0 + ".." + e0);
                            count.incrementAndGet();
                            if (e0 < n) sizes.add(e0 - s0);
                            for (int i = s0; i < e0; i++) blocks.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) {
                            String at = "threads " + threads + ", n " + n + ", grain " + grain + ", index " + i;
                            assertEquals(1, range.get(i), "forRange " + at);
                            assertEquals(1, blocks.get(i), "forBlocks " + at);
                        }
                        // blocks but the last are equal and hold at least grain indices; at most 4 per thread
                        String at = "threads " + threads + ", n " + n + ", grain " + grain + ": sizes " + sizes;
                        assertTrue(sizes.size() <= 1, at);
                        for (int size : sizes) assertTrue(size >= grain, at);
                        assertTrue(count.get() <= Math.max(1, 4 * threads), at + ", " + count + " blocks");
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void severalSubmittingThreadsEachGetEveryChunk() throws Exception {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(3);
            int callers = 4, rounds = 200, chunks = 37;
            java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(callers);
            try {
                java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    results.add(ex.submit(() -> {
                        for (int r = 0; r < rounds; r++) {
                            AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                            Parallel.forChunks(chunks, runs::incrementAndGet);
                            for (int i = 0; i < chunks; i++) if (runs.get(i) != 1) return false;
                        }
                        return true;
                    }));
                }
                for (var f : results) assertTrue(f.get(60, java.util.concurrent.TimeUnit.SECONDS), "a chunk ran twice or never");
            } finally {
                ex.shutdownNow();
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
