package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link HomeChunks}: every chunk runs exactly once on any thread count (also when one participant
 * is slow and the others take over its share), {@link HomeChunks#home} names contiguous equal
 * shares, and with one thread the chunks run in order on the caller.
 */
class HomeChunksTest {
    @Test
    void everyChunkRunsExactlyOnce() {
        int before = Parallel.threads();
        try {
            for (int pool : new int[] {1, 2, 3, 8}) {
                Parallel.setThreads(pool);
                for (int threads : new int[] {1, 2, 3, 5}) {
                    for (int chunks : new int[] {0, 1, 2, 3, 7, 64}) {
                        for (int round = 0; round < 10; round++) {
                            AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, chunks));
                            HomeChunks.run(chunks, threads, t -> runs.incrementAndGet(t));
                            for (int t = 0; t < chunks; t++) {
                                assertEquals(1, runs.get(t), "pool " + pool + ", threads " + threads + ", chunks " + chunks + ", chunk " + t);
                            }
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void everyChunkOnceWhenOneShareIsSlow() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            AtomicIntegerArray runs = new AtomicIntegerArray(8);
            Map<Integer, Thread> ranOn = new ConcurrentHashMap<>();
            HomeChunks.run(8, 2, t -> {
                runs.incrementAndGet(t);
                ranOn.put(t, Thread.currentThread());
                if (t == 0) sleep(30); // the caller is slow on its first chunk: a helper, if it came, takes over its share from the back
            });
            for (int t = 0; t < 8; t++) assertEquals(1, runs.get(t), "chunk " + t);
            assertEquals(8, ranOn.size());
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void homesAreContiguousEqualShares() {
        for (int threads : new int[] {1, 2, 3, 4}) {
            for (int n : new int[] {1, 2, 3, 5, 8, 13, 64}) {
                int parts = Math.min(threads, n), previous = 0;
                int[] size = new int[parts];
                for (int t = 0; t < n; t++) {
                    int w = HomeChunks.home(t, n, threads);
                    assertTrue(w >= previous && w <= previous + 1 && w < parts, "n " + n + ", threads " + threads + ", chunk " + t + " -> " + w);
                    previous = w;
                    size[w]++;
                }
                for (int w = 0; w < parts; w++) {
                    assertTrue(size[w] == n / parts || size[w] == n / parts + 1, "n " + n + ", threads " + threads + ", share " + w + " has " + size[w]);
                }
            }
        }
    }

    @Test
    void oneThreadRunsInOrderOnTheCaller() {
        StringBuilder order = new StringBuilder();
        Thread caller = Thread.currentThread();
        HomeChunks.run(5, 1, t -> {
            assertEquals(caller, Thread.currentThread());
            order.append(t);
        });
        assertEquals("01234", order.toString());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
