package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.app.UserError;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.CommunicatorException;
import dev.jmamba.tensor.dist.LocalGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog: a rank whose process ends (its rendezvous connection closes without a goodbye) or a
 * communicator that reports an asynchronous error makes the surviving rank abort its collectives and
 * report the reason — a rank blocked in an all-reduce gets an exception instead of waiting forever.
 */
class DistributedRunTest {
    private static final Rendezvous.Heartbeat FAST = new Rendezvous.Heartbeat(Duration.ofMillis(50), Duration.ofSeconds(5));

    @Test
    @Timeout(60)
    void aRankThatDiesUnblocksTheOthersWithItsName() throws Exception {
        List<Communicator> group = LocalGroup.create(2, Duration.ofSeconds(300));   // far longer than the test: only the watchdog can end the wait
        Session s0, s1;
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            CompletableFuture<Session> one = CompletableFuture.supplyAsync(
                    () -> Rendezvous.connect("127.0.0.1", server.port(), 1, 2, "node1 pid 7 cuda:0", Duration.ofSeconds(20), FAST),
                    r -> new Thread(r).start());
            s0 = server.await(2, new byte[] {1}, Duration.ofSeconds(20), FAST);
            s1 = one.get(20, TimeUnit.SECONDS);
        }
        AtomicReference<String> fatal = new AtomicReference<>();
        CountDownLatch reported = new CountDownLatch(1);
        DistributedRun rank0 = new DistributedRun(0, 2, group.get(0), s0, r -> { fatal.set(r); reported.countDown(); });
        // rank 1 is another process: its communicator is its own (its abort must not reach rank 0 except through the network)
        DistributedRun rank1 = new DistributedRun(1, 2, LocalGroup.create(1, Duration.ofSeconds(5)).getFirst(), s1, r -> {});
        AtomicReference<Throwable> blocked = new AtomicReference<>();
        Thread step = new Thread(() -> {
            try {
                rank0.communicator().allReduceSum(Tensor.ones(4));     // rank 1 never joins this all-reduce
            } catch (Throwable t) {
                blocked.set(t);
            }
        });
        step.start();
        Thread.sleep(200);
        rank1.close();                                             // rank 1 fails: drops its connection without a goodbye
        assertTrue(reported.await(20, TimeUnit.SECONDS), "rank 0 heard of it");
        assertTrue(fatal.get().startsWith("rank 1 (node1 pid 7 cuda:0) ended without saying goodbye"), fatal.get());
        step.join(20_000);
        assertTrue(blocked.get() instanceof CommunicatorException, "the blocked all-reduce ended with an exception: " + blocked.get());
        assertTrue(blocked.get().getMessage().contains("ended without saying goodbye"), blocked.get().getMessage());
        rank0.close();
    }

    @Test
    @Timeout(60)
    void aCommunicatorErrorReachesTheWatchdog() throws Exception {
        Communicator inner = LocalGroup.create(1, Duration.ofSeconds(5)).getFirst();
        long failAfter = System.nanoTime() + 300_000_000L;
        Communicator failing = new Communicator() {
            @Override public int rank() { return 0; }
            @Override public int worldSize() { return 1; }
            @Override public void allReduceSum(Tensor t) { inner.allReduceSum(t); }
            @Override public void broadcast(Tensor t, int root) { inner.broadcast(t, root); }
            @Override public void barrier() { inner.barrier(); }
            @Override public void checkHealth() {
                if (System.nanoTime() > failAfter) throw new CommunicatorException("NCCL failed on rank 0 of 1: remote process exited or there was a network error (6)");
            }
            @Override public void abort(String reason) { inner.abort(reason); }
            @Override public void close() { inner.close(); }
        };
        Session lone;
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            lone = server.await(1, new byte[0], Duration.ofSeconds(5), FAST);
        }
        AtomicReference<String> fatal = new AtomicReference<>();
        CountDownLatch reported = new CountDownLatch(1);
        DistributedRun run = new DistributedRun(0, 1, failing, lone, r -> { fatal.set(r); reported.countDown(); });
        assertTrue(reported.await(20, TimeUnit.SECONDS));
        assertTrue(fatal.get().startsWith("NCCL failed on rank 0 of 1"), fatal.get());
        assertThrows(CommunicatorException.class, () -> inner.allReduceSum(Tensor.ones(1)), "the communicator was aborted");
        run.close();
    }

    @Test
    @Timeout(60)
    void finishIsACleanEndForEveryRank() throws Exception {
        List<Communicator> group = LocalGroup.create(2, Duration.ofSeconds(20));
        Session s0, s1;
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            CompletableFuture<Session> one = CompletableFuture.supplyAsync(
                    () -> Rendezvous.connect("127.0.0.1", server.port(), 1, 2, "r1", Duration.ofSeconds(20), FAST), r -> new Thread(r).start());
            s0 = server.await(2, new byte[] {1}, Duration.ofSeconds(20), FAST);
            s1 = one.get(20, TimeUnit.SECONDS);
        }
        AtomicReference<String> fatal = new AtomicReference<>();
        DistributedRun r0 = new DistributedRun(0, 2, group.get(0), s0, fatal::set);
        DistributedRun r1 = new DistributedRun(1, 2, group.get(1), s1, fatal::set);
        CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> r1.anyRank(true, dev.jmamba.tensor.Device.CPU), r -> new Thread(r).start());
        assertTrue(r0.anyRank(false, dev.jmamba.tensor.Device.CPU), "rank 1's stop request reaches rank 0");
        assertTrue(other.get(20, TimeUnit.SECONDS));
        CompletableFuture<Void> f1 = CompletableFuture.runAsync(r1::finish, r -> new Thread(r).start());
        r0.finish();
        f1.get(20, TimeUnit.SECONDS);
        Thread.sleep(300);
        assertNull(fatal.get(), "a finished run is no failure");
        assertEquals(2, r0.worldSize());
        UserError e = assertThrows(UserError.class, () -> r0.batchPerRank(9));
        assertTrue(e.getMessage().contains("the batch size 9 (images per step over all processes) must be a multiple of the 2 processes"), e.getMessage());
        assertEquals(4, r0.batchPerRank(8));
    }
}
