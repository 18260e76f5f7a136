package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;
import java.util.function.IntConsumer;

/**
 * The CPU backend's threads: the calling thread plus {@code threads() - 1} helper threads (a
 * {@link HelperPool}), sized to the cores, to {@code -Djmamba.threads=N} or by {@link #setThreads}.
 * Every parallel loop is cut into chunks claimed from a shared counter: the caller starts on the
 * first chunk at once and helpers take the others as they arrive, so a small op costs no hand-off
 * to another thread and a late helper only finds less to do. Helpers spin briefly after a job
 * before they sleep ({@code -Djmamba.spinMicros}, see {@link HelperPool}), so the next op of a
 * training step finds them awake. Calls made from inside a chunk run inline.
 *
 * <p>Which chunk runs on which thread changes from run to run, so a chunk must write only its own
 * outputs; the chunk boundaries depend on the sizes and the thread count only, and kernels that
 * need the same bits for every thread count keep each output's arithmetic inside one index.
 */
public final class Parallel {
    private static volatile HelperPool pool = new HelperPool(defaultThreads() - 1);

    private Parallel() {}

    private static int defaultThreads() {
        String p = System.getProperty("jmamba.threads");
        int n = p == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(p.trim());
        return Math.max(1, n);
    }

    /** Number of threads kernels may use, the caller included. */
    public static int threads() { return pool.helpers() + 1; }

    /** Replaces the helper threads (e.g. {@code bench gemm --threads T}); {@code threads} counts the caller too. */
    public static synchronized void setThreads(int threads) {
        if (threads < 1) throw new JmambaException("threads must be >= 1, got " + threads);
        if (threads == threads()) return;
        HelperPool old = pool;
        pool = new HelperPool(threads - 1);
        old.shutdown();
    }

    /**
     * Runs {@code body.accept(i)} for every i in [0, n), split into at most {@code 4 * threads()}
     * contiguous blocks, inline when n is small or when called from inside a parallel loop.
     */
    public static void forRange(int n, IntConsumer body) {
        forRange(n, 1, body);
    }

    /** As {@link #forRange(int, IntConsumer)} but never splits below {@code grain} iterations per block. */
    public static void forRange(int n, int grain, IntConsumer body) {
        forBlocks(n, grain, (start, end) -> {
            for (int i = start; i < end; i++) body.accept(i);
        });
    }

    /** Runs {@code body.run(start, end)} over blocks of [0, n) of at least {@code grain} indices (one block if n ≤ grain). */
    public static void forBlocks(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int threads = threads();
        if (threads == 1 || n <= grain || HelperPool.insideJob()) {
            body.run(0, n);
            return;
        }
        int blocks = Math.max(1, Math.min(n / Math.max(1, grain), threads * 4));
        int step = Math.ceilDiv(n, blocks);
        pool.run(Math.ceilDiv(n, step), Integer.MAX_VALUE, t -> body.run(t * step, Math.min(n, t * step + step)));
    }

    /**
     * Runs {@code body.accept(i)} for every chunk i in [0, chunks), each exactly once, claimed
     * dynamically: the calling thread starts on chunk 0 at once while up to {@code threads() - 1}
     * helpers claim the rest from a shared counter. A helper that arrives late finds the chunks taken
     * and leaves; the caller waits only for chunks a helper has claimed. Inline when there is one
     * chunk, one thread, or when called from inside a parallel loop.
     *
     * @throws RuntimeException or Error thrown by a chunk (the first one; the other chunks still run)
     */
    public static void forChunks(int chunks, IntConsumer body) {
        forChunks(chunks, Integer.MAX_VALUE, body);
    }

    /**
     * As {@link #forChunks(int, IntConsumer)} on at most {@code maxThreads} threads, the caller
     * included: with {@code maxThreads == 1} every chunk runs on the calling thread, in order. A
     * caller whose chunks share state that is only safe on one thread must pass the thread count it
     * planned for (the SGEMM driver did not, and its chunks raced; see SgemmThreadingTest).
     */
    public static void forChunks(int chunks, int maxThreads, IntConsumer body) {
        if (chunks <= 0) return;
        if (maxThreads < 1) throw new JmambaException("forChunks: maxThreads must be >= 1, got " + maxThreads);
        if (chunks == 1 || maxThreads == 1 || threads() == 1 || HelperPool.insideJob()) {
            for (int i = 0; i < chunks; i++) body.accept(i);
            return;
        }
        pool.run(chunks, maxThreads, body);
    }

    /** A body over a half-open range of indices. */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }
}
