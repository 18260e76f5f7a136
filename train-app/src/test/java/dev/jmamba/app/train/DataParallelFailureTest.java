package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.app.dist.DistributedRun;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.CommunicatorException;
import dev.jmamba.tensor.dist.LocalGroup;
import dev.jmamba.tensor.dist.Pending;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A communicator that fails while backward is running, with the buckets all-reduced during backward:
 * the failing rank stops with the communicator's one sentence, its close aborts the group, and the
 * other rank — waiting in a bucket's all-reduce that rank 1 never joins — stops with one sentence
 * naming rank 1. Both within seconds: the group's timeout is 300 s, so nothing waited for it.
 */
class DataParallelFailureTest {
    private static final String INJECTED = "NCCL failed on rank 1 of 2: remote process exited or there was a network error (injected by the test)";
    @TempDir Path tmp;

    /** Rank 1's communicator: its n-th asynchronous all-reduce fails (when started, or when awaited), and every collective after it. */
    private static final class FailingCommunicator implements Communicator {
        private final Communicator inner;
        private final int failAt;
        private final boolean whenStarted;
        private int started;
        private volatile boolean broken;

        FailingCommunicator(Communicator inner, int failAt, boolean whenStarted) {
            this.inner = inner;
            this.failAt = failAt;
            this.whenStarted = whenStarted;
        }

        private void check() {
            if (broken) throw new CommunicatorException(INJECTED);
        }

        @Override public int rank() { return inner.rank(); }
        @Override public int worldSize() { return inner.worldSize(); }
        @Override public void allReduceSum(Tensor t) { check(); inner.allReduceSum(t); }
        @Override public Pending allReduceSumAsync(Tensor t) {
            check();
            if (++started == failAt) {
                broken = true;
                if (whenStarted) throw new CommunicatorException(INJECTED);
                return () -> { throw new CommunicatorException(INJECTED); };
            }
            return inner.allReduceSumAsync(t);
        }
        @Override public void broadcast(Tensor t, int root) { check(); inner.broadcast(t, root); }
        @Override public void barrier() { check(); inner.barrier(); }
        @Override public void checkHealth() { check(); inner.checkHealth(); }
        @Override public void abort(String reason) { inner.abort(reason); }
        @Override public void close() { inner.close(); }
    }

    private List<Throwable> run(boolean whenStarted) throws Exception {
        List<Communicator> group = LocalGroup.create(2, Duration.ofSeconds(300));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Path dir = tmp.resolve("run-" + whenStarted);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Communicator c : group) {
                Communicator comm = c.rank() == 1 ? new FailingCommunicator(c, 3, whenStarted) : c;   // the first step's third bucket
                futures.add(pool.submit(() -> {
                    try (DistributedRun dist = DistributedRun.of(comm).gradientSettings(new DataParallel.Settings(64 << 10, true))) {
                        Trainer.run(DataParallelTrainingTest.config(), null, new Trainer.Options(dir, Device.CPU, 1, 0, 0, 1, false, 5),
                                new PrintWriter(Writer.nullWriter()), dist);
                        dist.finish();
                    }
                    return null;
                }));
            }
            List<Throwable> failures = new ArrayList<>();
            for (Future<?> f : futures) {
                try {
                    f.get();
                    failures.add(null);
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            return failures;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(600)
    void aCollectiveFailingDuringBackwardStopsEveryRankWithOneSentence() throws Exception {
        for (boolean whenStarted : new boolean[] {true, false}) {
            long t0 = System.nanoTime();
            List<Throwable> f = run(whenStarted);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String how = whenStarted ? "failing when started (inside backward)" : "failing when awaited (after backward)";
            assertInstanceOf(CommunicatorException.class, f.get(1), how + ": rank 1 " + f.get(1));
            assertEquals(INJECTED, f.get(1).getMessage(), how + ": rank 1 stops with its communicator's sentence");
            assertInstanceOf(CommunicatorException.class, f.get(0), how + ": rank 0 " + f.get(0));
            String m0 = f.get(0).getMessage();
            assertTrue(m0.contains("rank 1 failed"), how + ": rank 0 names rank 1: " + m0);
            assertFalse(m0.contains("\n") || INJECTED.contains("\n"), "one line each");
            assertTrue(seconds < 120, how + ": took " + seconds + " s; the group's timeout is 300 s");
        }
    }
}
