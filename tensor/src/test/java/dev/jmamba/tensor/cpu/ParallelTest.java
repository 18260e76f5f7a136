package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Parallel#forChunks}: every chunk runs exactly once, from any thread count, and failures reach the caller. */
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
}
