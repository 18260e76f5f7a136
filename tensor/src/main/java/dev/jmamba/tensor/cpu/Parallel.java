package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The CPU backend's thread pool: one {@link ForkJoinPool} sized to the cores (or to
 * {@code -Djmamba.threads=N}, or {@link #setThreads}). Kernels split their outer loop with
 * {@link #forRange}; work below a grain size runs on the calling thread.
 */
public final class Parallel {
    private static volatile ForkJoinPool pool = newPool(defaultThreads());

    private Parallel() {}

    private static int defaultThreads() {
        String p = System.getProperty("jmamba.threads");
        int n = p == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(p.trim());
        return Math.max(1, n);
    }

    private static ForkJoinPool newPool(int threads) {
        return new ForkJoinPool(threads, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setDaemon(true);
            t.setName("jmamba-cpu-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    /** Number of worker threads kernels may use. */
    public static int threads() { return pool.getParallelism(); }

    /** Replaces the pool (e.g. {@code bench gemm --threads T}). */
    public static synchronized void setThreads(int threads) {
        if (threads < 1) throw new JmambaException("threads must be >= 1, got " + threads);
        if (threads == threads()) return;
        ForkJoinPool old = pool;
        pool = newPool(threads);
        old.shutdown();
    }

    /**
     * Runs {@code body.accept(i)} for every i in [0, n), split into at most {@code threads()}
     * contiguous blocks (more when {@code n} is large), inline when n is small or when already on
     * a worker thread of this pool.
     */
    public static void forRange(int n, IntConsumer body) {
        forRange(n, 1, body);
    }

    /** As {@link #forRange(int, IntConsumer)} but never splits below {@code grain} iterations per task. */
    public static void forRange(int n, int grain, IntConsumer body) {
        if (n <= 0) return;
        int threads = threads();
        if (threads == 1 || n <= grain || ForkJoinTask.getPool() == pool) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        int tasks = Math.min(n / Math.max(1, grain), threads * 4);
        tasks = Math.max(1, tasks);
        pool.invoke(new Block(0, n, Math.ceilDiv(n, tasks), body));
    }

    /** Runs {@code body.run(start, end)} over blocks of [0, n), one block per task. */
    public static void forBlocks(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int threads = threads();
        if (threads == 1 || n <= grain || ForkJoinTask.getPool() == pool) {
            body.run(0, n);
            return;
        }
        int tasks = Math.max(1, Math.min(n / Math.max(1, grain), threads * 4));
        int step = Math.ceilDiv(n, tasks);
        pool.invoke(new RecursiveAction() {
            @Override protected void compute() {
                RecursiveAction[] parts = new RecursiveAction[Math.ceilDiv(n, step)];
                for (int t = 0; t < parts.length; t++) {
                    int s = t * step, e = Math.min(n, s + step);
                    parts[t] = new RecursiveAction() { @Override protected void compute() { body.run(s, e); } };
                }
                invokeAll(parts);
            }
        });
    }

    /**
     * Runs {@code body.accept(i)} for every chunk i in [0, chunks), each exactly once, claimed
     * dynamically: the calling thread starts on chunk 0 at once while up to {@code threads() - 1}
     * pool workers are woken to claim the rest from a shared counter. A worker that wakes late finds
     * the chunks taken and returns; the caller waits only for chunks a worker has claimed. Slow
     * wake-ups or a core taken by another process cost little: the caller does the work. Inline
     * when there is one chunk, one thread, or when called from a worker of this pool.
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
        ForkJoinPool p = pool;
        int helpers = Math.min(Math.min(p.getParallelism(), maxThreads), chunks) - 1;
        if (helpers <= 0 || ForkJoinTask.getPool() == p) {
            for (int i = 0; i < chunks; i++) body.accept(i);
            return;
        }
        ChunkRun run = new ChunkRun(chunks, body, Thread.currentThread());
        for (int h = 0; h < helpers; h++) p.execute(run::work);
        run.work();
        run.await();
    }

    /** Shared state of one {@link #forChunks} call. */
    private static final class ChunkRun {
        private final int chunks;
        private final IntConsumer body;
        private final Thread caller;
        private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        private volatile Throwable failure;

        ChunkRun(int chunks, IntConsumer body, Thread caller) {
            this.chunks = chunks; this.body = body; this.caller = caller;
        }

        void work() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    if (done.incrementAndGet() == chunks) java.util.concurrent.locks.LockSupport.unpark(caller);
                }
            }
        }

        void await() {
            for (int spins = 0; done.get() < chunks; spins++) {
                if (spins < 64) Thread.onSpinWait();
                else java.util.concurrent.locks.LockSupport.park(this);
            }
            Throwable t = failure;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    /** A body over a half-open range of indices. */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }

    private static final class Block extends RecursiveAction {
        private final int start, end, step;
        private final IntConsumer body;

        Block(int start, int end, int step, IntConsumer body) {
            this.start = start; this.end = end; this.step = step; this.body = body;
        }

        @Override protected void compute() {
            if (end - start <= step) {
                for (int i = start; i < end; i++) body.accept(i);
                return;
            }
            int mid = start + Math.max(step, ((end - start) / step / 2) * step);
            invokeAll(new Block(start, mid, step, body), new Block(mid, end, step, body));
        }
    }
}
