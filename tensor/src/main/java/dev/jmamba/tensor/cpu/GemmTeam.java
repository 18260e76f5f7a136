package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The GEMM driver's own worker threads: {@link Parallel#threads()} - 1 daemon threads that, after a
 * job, keep polling for the next one for a short while ({@code -Djmamba.gemm.spinMicros}, default
 * {@value #DEFAULT_SPIN_MICROS} µs) before they park. A training step issues GEMMs back to back, many
 * of them 20–200 µs long (the models' skinny projections); waking a parked pool worker takes tens of
 * µs, which made two threads no faster than one on those shapes (1600x96x19: 48 µs on two threads
 * against 36 µs on one). A polling worker starts within a microsecond; OpenBLAS's threads do the same.
 *
 * <p>Same contract as {@link Parallel#forChunks(int, int, IntConsumer)}: every chunk runs exactly
 * once, claimed dynamically from a shared counter, the caller works at once and waits only for chunks
 * a worker has claimed. Runs inline when called from a worker of this team or of the
 * {@link Parallel} pool (nested parallelism), and when another thread's job holds the team (two
 * callers at once: the second one does its own work rather than queue behind the first).
 */
final class GemmTeam {
    static final long DEFAULT_SPIN_MICROS = 100;
    private static final long SPIN_NANOS = Long.getLong("jmamba.gemm.spinMicros", DEFAULT_SPIN_MICROS) * 1000L;

    private static final ReentrantLock OWNER = new ReentrantLock();
    private static volatile Team team;

    private GemmTeam() {}

    /** Runs {@code body.accept(i)} for every i in [0, chunks) on at most {@code maxThreads} threads, caller included. */
    static void forChunks(int chunks, int maxThreads, IntConsumer body) {
        if (chunks <= 0) return;
        if (maxThreads < 1) throw new JmambaException("GemmTeam.forChunks: maxThreads must be >= 1, got " + maxThreads);
        int threads = Math.min(Math.min(Parallel.threads(), maxThreads), chunks);
        if (threads <= 1 || Thread.currentThread() instanceof Worker || ForkJoinTask.inForkJoinPool()
                || OWNER.isHeldByCurrentThread() || !OWNER.tryLock()) {
            for (int i = 0; i < chunks; i++) body.accept(i);
            return;
        }
        try {
            Team t = team();
            Job job = new Job(chunks, threads - 1, body);
            t.publish(job);
            job.work();
            job.await();
        } finally {
            OWNER.unlock();
        }
    }

    /** The team for the current {@link Parallel#threads()}, rebuilt when that changes (caller holds OWNER). */
    private static Team team() {
        Team t = team;
        int helpers = Parallel.threads() - 1;
        if (t == null || t.workers.length != helpers) {
            if (t != null) t.stop();
            t = new Team(helpers);
            team = t;
        }
        return t;
    }

    /** One parallel call: chunks claimed from {@code next}; workers with index >= helpers sit it out. */
    private static final class Job {
        final int chunks, helpers;
        final IntConsumer body;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        final Thread caller = Thread.currentThread();
        volatile Throwable failure;

        Job(int chunks, int helpers, IntConsumer body) {
            this.chunks = chunks; this.helpers = helpers; this.body = body;
        }

        void work() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                try {
                    body.accept(i);
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                } finally {
                    if (done.incrementAndGet() == chunks) LockSupport.unpark(caller);
                }
            }
        }

        /** Waits for chunks that workers claimed: spins while they are likely short, then parks. */
        void await() {
            long start = 0;
            for (int spins = 0; done.get() < chunks; spins++) {
                if (spins < 256) { Thread.onSpinWait(); continue; }
                if (start == 0) start = System.nanoTime();
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 50_000);
            }
            Throwable e = failure;
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error r) throw r;
            if (e != null) throw new IllegalStateException(e);
        }
    }

    /** The workers and the job slot they poll. */
    private static final class Team {
        final Worker[] workers;
        volatile Job job;
        volatile long sequence;
        volatile boolean stopped;

        Team(int helpers) {
            workers = new Worker[helpers];
            for (int i = 0; i < helpers; i++) {
                workers[i] = new Worker(this, i);
                workers[i].start();
            }
        }

        /** Publishes a job, then wakes the workers that have parked (they re-check before parking). */
        void publish(Job j) {
            job = j;
            sequence = sequence + 1; // only the OWNER holder writes
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
        }

        void stop() {
            stopped = true;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }

    /** A team thread: runs each new job it sees (if its index is wanted), polls, then parks. */
    private static final class Worker extends Thread {
        private final Team team;
        private final int index;
        volatile boolean parked;

        Worker(Team team, int index) {
            super("jmamba-gemm-" + (index + 1));
            this.team = team; this.index = index;
            setDaemon(true);
        }

        @Override public void run() {
            long seen = 0;
            while (!team.stopped) {
                long s = team.sequence;
                if (s != seen) {
                    seen = s;
                    Job j = team.job;
                    if (index < j.helpers) j.work();
                    continue;
                }
                waitForNext(seen);
            }
        }

        /** Polls for a sequence other than {@code seen} for SPIN_NANOS, then parks until woken. */
        private void waitForNext(long seen) {
            long start = System.nanoTime();
            for (int spins = 0; team.sequence == seen && !team.stopped; spins++) {
                if ((spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true; // Dekker with publish(): write parked, then read sequence
                if (team.sequence == seen && !team.stopped) LockSupport.park(this);
                parked = false;
                start = System.nanoTime();
            }
        }
    }
}
