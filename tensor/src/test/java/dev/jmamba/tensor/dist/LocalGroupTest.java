package dev.jmamba.tensor.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The in-process group: sums in rank order, broadcasts, and fails (never hangs) on mismatches, timeouts and aborts. */
class LocalGroupTest {

    /** Runs {@code body} on one thread per rank and returns each rank's result (or its exception). */
    static <T> List<Object> onRanks(int world, Duration timeout, Function<Communicator, T> body) throws InterruptedException {
        List<Communicator> group = LocalGroup.create(world, timeout);
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Communicator c : group) futures.add(pool.submit(() -> body.apply(c)));
            List<Object> results = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    results.add(e.getCause());
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test void allReduceSumsInRankOrderAndEveryRankGetsTheSameBits() throws Exception {
        // values chosen so that float addition order matters: (1e8 + 1) - 1e8 = 0 in float, 1e8 + (1 - 1e8) = 8
        float[][] inputs = {{1e8f, 3f}, {1f, 4f}, {-1e8f, 5f}};
        List<Object> out = onRanks(3, Duration.ofSeconds(20), c -> {
            Tensor t = Tensor.of(inputs[c.rank()], 2);
            c.allReduceSum(t);
            return t.toFloatArray();
        });
        float expected0 = (1e8f + 1f) + -1e8f;
        for (Object o : out) assertArrayEquals(new float[] {expected0, 12f}, (float[]) o, 0f);
    }

    @Test void allReduceOfF64SumsDoubles() throws Exception {
        List<Object> out = onRanks(2, Duration.ofSeconds(20), c -> {
            Tensor t = Tensor.of(new double[] {0.1 * (c.rank() + 1), 1e-17}, 2);
            c.allReduceSum(t);
            return t.toDoubleArray();
        });
        for (Object o : out) assertArrayEquals(new double[] {0.1 + 0.2, 2e-17}, (double[]) o, 0);
    }

    @Test void broadcastCopiesTheRootsTensor() throws Exception {
        List<Object> out = onRanks(3, Duration.ofSeconds(20), c -> {
            Tensor t = Tensor.of(new float[] {c.rank(), 10 + c.rank(), 20 + c.rank(), 30 + c.rank()}, 2, 2);
            c.broadcast(t, 2);
            return t.toFloatArray();
        });
        for (Object o : out) assertArrayEquals(new float[] {2, 12, 22, 32}, (float[]) o, 0f);
    }

    @Test void differentSizesFailOnEveryRankWithBothSizesNamed() throws Exception {
        List<Object> out = onRanks(2, Duration.ofSeconds(20), c -> {
            c.allReduceSum(Tensor.zeros(c.rank() == 0 ? 3 : 5));
            return "returned";
        });
        for (Object o : out) {
            CommunicatorException e = assertInstanceOfCommunicatorException(o);
            assertTrue(e.getMessage().contains("rank 0 passed 3 elements") && e.getMessage().contains("rank 1 passed 5"), e.getMessage());
        }
    }

    @Test void aRankThatNeverArrivesTimesOutTheOthers() throws Exception {
        long t0 = System.nanoTime();
        List<Object> out = onRanks(3, Duration.ofMillis(300), c -> {
            if (c.rank() == 1) return "skipped the collective";
            c.allReduceSum(Tensor.ones(2));
            return "returned";
        });
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "no hang");
        assertEquals("skipped the collective", out.get(1));
        for (int r : new int[] {0, 2}) {
            CommunicatorException e = assertInstanceOfCommunicatorException(out.get(r));
            assertTrue(e.getMessage().startsWith("allReduceSum: "), e.getMessage());
        }
    }

    @Test void abortBreaksAWaitingRankAndEveryLaterCall() throws Exception {
        List<Communicator> group = LocalGroup.create(2, Duration.ofSeconds(30));
        Thread waiter = new Thread(() -> {});
        Object[] result = new Object[1];
        waiter = new Thread(() -> {
            try {
                group.get(0).barrier();
                result[0] = "returned";
            } catch (CommunicatorException e) {
                result[0] = e;
            }
        });
        waiter.start();
        Thread.sleep(100);
        group.get(1).abort("rank 1 died");
        waiter.join(5000);
        CommunicatorException e = assertInstanceOfCommunicatorException(result[0]);
        assertTrue(e.getMessage().contains("rank 1 died"), e.getMessage());
        CommunicatorException later = assertThrows(CommunicatorException.class, () -> group.get(0).allReduceSum(Tensor.ones(1)));
        assertTrue(later.getMessage().contains("aborted: rank 1 died"), later.getMessage());
        assertThrows(CommunicatorException.class, () -> group.get(1).checkHealth());
    }

    /**
     * Asynchronous all-reduces run on each rank's communication thread while the caller goes on; they
     * and the plain collectives after them take effect in call order on every rank (a plain one waits
     * for the asynchronous ones), so a rank that starts a and b, then reduces c plainly, pairs a with
     * a, b with b and c with c — even when the ranks' timing differs.
     */
    @Test void asynchronousAllReducesRunInCallOrderBesideTheCaller() throws Exception {
        List<Object> out = onRanks(3, Duration.ofSeconds(20), c -> {
            Tensor a = Tensor.of(new float[] {1 + c.rank(), 2}, 2), b = Tensor.of(new float[] {10f * c.rank(), 0, 5}, 3);
            Tensor d = Tensor.of(new double[] {0.5 * c.rank()}, 1);
            Pending pa = c.allReduceSumAsync(a);
            if (c.rank() == 2) sleep(200);                   // rank 2 comes late to b
            Pending pb = c.allReduceSumAsync(b);
            c.allReduceSum(d);                               // plain: after a and b on every rank
            pb.await();
            pa.await();
            pa.await();                                      // again: nothing
            return new Object[] {a.toFloatArray(), b.toFloatArray(), d.toDoubleArray(), Thread.currentThread().getName()};
        });
        for (Object o : out) {
            Object[] r = (Object[]) o;
            assertArrayEquals(new float[] {6, 6}, (float[]) r[0], 0f);
            assertArrayEquals(new float[] {30, 0, 15}, (float[]) r[1], 0f);
            assertArrayEquals(new double[] {1.5}, (double[]) r[2], 0);
        }
    }

    @Test void anAsynchronousAllReduceThatFailsSaysSoWhenAwaitedAndAbortEndsAWaitingOne() throws Exception {
        List<Object> out = onRanks(2, Duration.ofSeconds(20), c -> {
            Pending p = c.allReduceSumAsync(Tensor.zeros(c.rank() == 0 ? 3 : 5));
            return assertThrows(CommunicatorException.class, p::await).getMessage();
        });
        for (Object o : out) assertTrue(((String) o).contains("rank 0 passed 3 elements"), (String) o);

        List<Communicator> group = LocalGroup.create(2, Duration.ofSeconds(30));
        Pending waiting = group.get(0).allReduceSumAsync(Tensor.ones(4));     // rank 1 never joins
        long t0 = System.nanoTime();
        group.get(1).abort("rank 1 died");
        CommunicatorException e = assertThrows(CommunicatorException.class, waiting::await);
        assertTrue(e.getMessage().contains("rank 1 died"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "no wait for the 30 s timeout");
        group.get(0).close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void nonContiguousOrIntegerTensorsAreRefused() {
        Communicator c = LocalGroup.create(1, Duration.ofSeconds(1)).getFirst();
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> c.allReduceSum(Tensor.zeros(2, 3).transpose(0, 1)));
        assertTrue(e.getMessage().startsWith("allReduceSum: expected a contiguous F32 or F64 tensor"), e.getMessage());
        assertThrows(CommunicatorException.class, () -> c.broadcast(Tensor.of(new int[] {1, 2}, 2), 0));
        assertThrows(CommunicatorException.class, () -> c.broadcast(Tensor.zeros(2), 1));
    }

    private static CommunicatorException assertInstanceOfCommunicatorException(Object o) {
        assertTrue(o instanceof CommunicatorException, "expected a CommunicatorException, got " + o);
        return (CommunicatorException) o;
    }
}
