package dev.jmamba.tensor.cpu;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The helper threads behind {@link Parallel}: a job is a number of chunks and a body; the thread that
 * submits it works on it at once, and up to {@code maxThreads - 1} helpers join it, each claiming
 * chunks from the job's shared counter until none are left. The caller returns when every chunk has
 * run, so a job never waits for a helper to wake up: at worst the caller runs every chunk itself.
 *
 * <p>A training step on a small model is hundreds of ops of tens to hundreds of microseconds each,
 * with host work between them. Waking a sleeping thread costs a system call on each side and some
 * tens of microseconds, which is most of such an op; so a helper that finishes spins for
 * {@code -Djmamba.spinMicros} (default {@value #DEFAULT_SPIN_MICROS} µs) looking for the next job
 * before it parks. Several threads may submit jobs at once (data-parallel ranks on one host): jobs
 * wait in a queue and helpers take the oldest one that still has room.
 */
final class HelperPool {
    static final long DEFAULT_SPIN_MICROS = 200;
    private static final long SPIN_NANOS = 1000 * Long.getLong("jmamba.spinMicros", DEFAULT_SPIN_MICROS);
    /** Set on a thread while it runs chunks of a job: nested parallel loops then run inline. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    private final Helper[] helpers;
    private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
    private volatile boolean shutdown;

    HelperPool(int helpers) {
        this.helpers = new Helper[Math.max(0, helpers)];
        for (int i = 0; i < this.helpers.length; i++) {
            this.helpers[i] = new Helper(i);
            this.helpers[i].start();
        }
    }

    int helpers() { return helpers.length; }

    /** True on a thread that is running a chunk of a job. */
    static boolean insideJob() { return INSIDE.get()[0]; }

    /** Stops the helpers once they finish what they are running. */
    void shutdown() {
        shutdown = true;
        for (Helper h : helpers) LockSupport.unpark(h);
    }

    /** Runs body(0 .. chunks-1) on the caller and up to {@code min(maxThreads, helpers + 1, chunks) - 1} helpers. */
    void run(int chunks, int maxThreads, IntConsumer body) {
        int joiners = Math.min(Math.min(helpers.length, maxThreads - 1), chunks - 1);
        Job job = new Job(chunks, joiners, body, Thread.currentThread());
        if (joiners > 0) {
            queue.add(job);
            int woken = 0;
            for (Helper h : helpers) {
                if (woken == joiners) break;
                if (h.parked) {
                    LockSupport.unpark(h);
                    woken++;
                }
            }
        }
        boolean[] inside = INSIDE.get();
        inside[0] = true;
        try {
            job.work();
        } finally {
            inside[0] = false;
        }
        if (joiners > 0) queue.remove(job);
        job.await();
    }

    /** Shared state of one job. */
    private static final class Job {
        private final int chunks;
        private final IntConsumer body;
        private final Thread caller;
        private final AtomicInteger seats;                     // helpers that may still join
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        Job(int chunks, int seats, IntConsumer body, Thread caller) {
            this.chunks = chunks;
            this.seats = new AtomicInteger(seats);
            this.body = body;
            this.caller = caller;
        }

        /** Takes a helper's seat; false when the job is full or has no chunk left to claim. */
        boolean join() {
            if (next.get() >= chunks) return false;
            return seats.getAndDecrement() > 0;
        }

        boolean open() { return seats.get() > 0 && next.get() < chunks; }

        void work() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    if (done.incrementAndGet() == chunks) LockSupport.unpark(caller);
                }
            }
        }

        void await() {
            for (int spins = 0; done.get() < chunks; spins++) {
                if (spins < 1024) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            Throwable t = failure;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    /** A helper: takes open jobs from the queue, spins a while when there are none, then parks. */
    private final class Helper extends Thread {
        volatile boolean parked;

        Helper(int index) {
            super("jmamba-cpu-" + index);
            setDaemon(true);
        }

        @Override public void run() {
            boolean[] inside = INSIDE.get();
            long idleSince = System.nanoTime();
            while (!shutdown) {
                Job job = openJob();
                if (job != null) {
                    if (job.join()) {
                        inside[0] = true;
                        try {
                            job.work();
                        } finally {
                            inside[0] = false;
                        }
                    }
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;                                  // publish before the last look (pairs with run())
                if (openJob() == null && !shutdown) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            }
        }

        /** The oldest queued job a helper can still join (full or finished ones are dropped). */
        private Job openJob() {
            for (Job j; (j = queue.peek()) != null; ) {
                if (j.open()) return j;
                queue.remove(j);
            }
            return null;
        }
    }
}
