package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link GemmTeam#forChunks}: every chunk runs exactly once on any thread count (also more threads
 * than cores, and back to back so workers are caught polling and parked), at most maxThreads threads
 * run chunks, nested and concurrent calls complete, and a failure reaches the caller.
 */
class GemmTeamTest {
    @Test
    void everyChunkRunsExactlyOnce() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 8}) {
                Parallel.setThreads(threads);
                for (int chunks : new int[] {0, 1, 2, 3, 7, 64, 1000}) {
                    for (int round = 0; round < 20; round++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, chunks));
                        GemmTeam.forChunks(chunks, threads, i -> runs.incrementAndGet(i));
                        for (int i = 0; i < chunks; i++) assertEquals(1, runs.get(i), "threads " + threads + ", chunks " + chunks + ", chunk " + i);
                        if (round == 10) sleep(1); // let the workers park once
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
            for (int max : new int[] {1, 2, 3}) {
                for (int round = 0; round < 20; round++) {
                    Set<Thread> seen = ConcurrentHashMap.newKeySet();
                    AtomicIntegerArray runs = new AtomicIntegerArray(64);
                    GemmTeam.forChunks(64, max, i -> {
                        seen.add(Thread.currentThread());
                        runs.incrementAndGet(i);
                        if (i == 0) sleep(2); // time for the workers to claim chunks
                    });
                    for (int i = 0; i < 64; i++) assertEquals(1, runs.get(i), "max " + max + ", chunk " + i);
                    if (max == 1) assertEquals(Set.of(Thread.currentThread()), seen, "max 1 ran on " + seen);
                    else assertTrue(seen.size() <= max, "max " + max + " ran on " + seen);
                }
            }
            assertThrows(dev.jmamba.tensor.JmambaException.class, () -> GemmTeam.forChunks(3, 0, i -> {}));
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void nestedAndConcurrentCallsComplete() throws Exception {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            AtomicIntegerArray runs = new AtomicIntegerArray(64);
            GemmTeam.forChunks(8, 2, i -> GemmTeam.forChunks(8, 2, j -> runs.incrementAndGet(8 * i + j)));
            for (int i = 0; i < 64; i++) assertEquals(1, runs.get(i), "nested chunk " + i);

            AtomicIntegerArray shared = new AtomicIntegerArray(2 * 500);
            Thread other = new Thread(() -> {
                for (int r = 0; r < 500; r++) GemmTeam.forChunks(4, 2, i -> { if (i == 0) shared.incrementAndGet(500 + rIndex(i)); });
            });
            other.start();
            for (int r = 0; r < 500; r++) {
                int round = r;
                GemmTeam.forChunks(4, 2, i -> { if (i == 0) shared.incrementAndGet(round); });
            }
            other.join();
            for (int r = 0; r < 500; r++) assertEquals(1, shared.get(r), "caller round " + r);
            assertEquals(500, shared.get(500), "the other caller's rounds");
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static int rIndex(int i) { return i; }

    @Test
    void aFailingChunkIsRethrownAfterTheOthersRan() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            IllegalStateException boom = new IllegalStateException("chunk 5 failed");
            AtomicIntegerArray runs = new AtomicIntegerArray(10);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> GemmTeam.forChunks(10, 2, i -> {
                runs.incrementAndGet(i);
                if (i == 5) throw boom;
            }));
            assertSame(boom, thrown);
            for (int i = 0; i < 10; i++) assertEquals(1, runs.get(i), "chunk " + i);
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
