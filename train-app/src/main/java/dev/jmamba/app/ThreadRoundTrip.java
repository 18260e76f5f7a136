package dev.jmamba.app;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The round trip between two threads on different cores: the caller writes a counter, a second thread answers, and
 * the caller waits for the answer; the median over batches, in nanoseconds. {@code bench gemm} prints it beside each
 * shape timed on more than one thread, because that cost is part of every parallel call (the packed B panels, the
 * chunk counters) and on a virtual machine it changes while the host moves the virtual CPUs: on the 2-vCPU Zen 4 VM
 * it was 50-60 ns at times and 330-380 ns at others, and small GEMMs on two threads ran up to 2x slower in the second
 * state (tensor/bench/GEMM-NOTES.md 2026-12-05 #15).
 */
final class ThreadRoundTrip {
    private static final int BATCH = 200;

    private ThreadRoundTrip() {}

    /**
     * Median round trip in ns over batches of {@value #BATCH}, measured for about {@code millis} ms; NaN when fewer
     * than two processors are available (both threads would share one and the figure would be the scheduler's).
     */
    static double medianNanos(long millis) {
        if (Runtime.getRuntime().availableProcessors() < 2) return Double.NaN;
        AtomicLong ball = new AtomicLong();
        Thread partner = new Thread(() -> {
            // answers each odd value v with v + 1; a negative value stops it
            for (long seen = 0; ; ) {
                long v = waitForChange(ball, seen);
                if (v < 0) return;
                ball.set(v + 1);
                seen = v + 1;
            }
        }, "jmamba-round-trip");
        partner.setDaemon(true);
        partner.start();
        double[] batches = new double[4096];
        int count = 0;
        long value = 0, end = System.nanoTime() + millis * 1_000_000L;
        try {
            do {
                long t0 = System.nanoTime();
                for (int i = 0; i < BATCH; i++) {
                    ball.set(value + 1);
                    value = waitForChange(ball, value + 1);
                }
                batches[count++] = (System.nanoTime() - t0) / (double) BATCH;
            } while (System.nanoTime() < end && count < batches.length);
        } finally {
            ball.set(-1);
        }
        return BenchGemm.median(batches, count);
    }

    /** Spins until the value differs from {@code seen}, yielding now and then (so that one shared core still progresses). */
    private static long waitForChange(AtomicLong ball, long seen) {
        for (int spins = 1; ; spins++) {
            long v = ball.get();
            if (v != seen) return v;
            if ((spins & 255) == 0) Thread.yield();
            else Thread.onSpinWait();
        }
    }
}
