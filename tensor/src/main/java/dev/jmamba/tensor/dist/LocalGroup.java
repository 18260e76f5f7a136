package dev.jmamba.tensor.dist;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process group whose ranks are threads of this process: {@link #create} returns one
 * {@link Communicator} per rank, each to be used by its own thread. Data goes through host arrays,
 * so the tensors may live on any device. Sums are taken in rank order (rank 0 + rank 1 + …) in the
 * tensor's dtype, so every rank gets the same bits. For tests of data-parallel code without GPUs.
 *
 * <p>A rank that does not reach a collective within the timeout breaks it for all (each throws a
 * {@link CommunicatorException} naming the call), as does {@link Communicator#abort}: nothing hangs.
 *
 * <p>{@link Communicator#allReduceSumAsync} runs the collective on the rank's communication thread (a
 * daemon thread made on first use); a collective called the plain way first waits for the ones still
 * running there, so every rank's collectives take effect in the order it called them.
 */
public final class LocalGroup {
    private final int worldSize;
    private final long timeoutNanos;
    private final CyclicBarrier barrier;
    private final Object[] slots;
    private volatile String abortReason;
    /** Threads inside (or about to enter) the barrier; {@link Communicator#abort} interrupts them. Also the lock for abortReason's changes. */
    private final java.util.Set<Thread> waiting = new java.util.HashSet<>();

    private LocalGroup(int worldSize, Duration timeout) {
        this.worldSize = worldSize;
        this.timeoutNanos = timeout.toNanos();
        this.barrier = new CyclicBarrier(worldSize);
        this.slots = new Object[worldSize];
    }

    /** {@code worldSize} communicators, element r being rank r; a collective waits at most {@code timeout} for the others. */
    public static List<Communicator> create(int worldSize, Duration timeout) {
        if (worldSize < 1) throw new CommunicatorException("LocalGroup: expected a world size of at least 1, got " + worldSize);
        LocalGroup group = new LocalGroup(worldSize, timeout);
        List<Communicator> members = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) members.add(group.new Member(r));
        return members;
    }

    private final class Member implements Communicator {
        private final int rank;
        private volatile boolean closed;
        /** The communication thread of {@link #allReduceSumAsync}, made on first use. */
        private ExecutorService comms;
        /** The latest collective started there (null: none). */
        private Future<?> latest;

        Member(int rank) {
            this.rank = rank;
        }

        @Override public int rank() { return rank; }

        @Override public int worldSize() { return worldSize; }

        @Override public Pending allReduceSumAsync(Tensor t) {
            check("allReduceSumAsync", t);
            if (comms == null) {
                comms = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("jmamba-local-rank-" + rank + "-comms").unstarted(r));
            }
            Future<?> f = comms.submit(() -> reduce(t));
            latest = f;
            return () -> finish(f, "allReduceSumAsync");
        }

        /** Waits for a collective of the communication thread; its failure is rethrown here, with the same sentence. */
        private void finish(Future<?> f, String op) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof CommunicatorException c) throw new CommunicatorException(c.getMessage(), c);
                throw new CommunicatorException(op + " failed on rank " + rank + ": " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommunicatorException(op + ": rank " + rank + " was interrupted while waiting for its collective");
            }
        }

        /** Before a plain collective: the ones started asynchronously come first (their failures are their Pending's to report). */
        private void drain() {
            Future<?> f = latest;
            if (f == null) return;
            try {
                f.get();
            } catch (ExecutionException ignored) {
                // reported by that collective's Pending; a failed group fails this call too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommunicatorException("rank " + rank + " was interrupted while waiting for its collectives");
            }
            latest = null;
        }

        @Override public void allReduceSum(Tensor t) {
            check("allReduceSum", t);
            drain();
            reduce(t);
        }

        private void reduce(Tensor t) {
            slots[rank] = t.dtype() == DType.F64 ? t.toDoubleArray() : t.toFloatArray();
            await("allReduceSum");
            checkSizes("allReduceSum");
            Object sum;
            if (slots[0] instanceof double[] first) {
                double[] s = first.clone();
                for (int r = 1; r < worldSize; r++) {
                    double[] other = (double[]) slots[r];
                    for (int i = 0; i < s.length; i++) s[i] += other[i];
                }
                sum = s;
            } else {
                float[] s = ((float[]) slots[0]).clone();
                for (int r = 1; r < worldSize; r++) {
                    float[] other = (float[]) slots[r];
                    for (int i = 0; i < s.length; i++) s[i] += other[i];
                }
                sum = s;
            }
            await("allReduceSum");                     // every rank has read the slots before they are reused
            write(t, sum);
        }

        @Override public void broadcast(Tensor t, int root) {
            check("broadcast", t);
            drain();
            if (root < 0 || root >= worldSize) {
                throw new CommunicatorException("broadcast: expected a root rank in 0.." + (worldSize - 1) + ", got " + root);
            }
            slots[rank] = t.dtype() == DType.F64 ? t.toDoubleArray() : t.toFloatArray();
            await("broadcast");
            checkSizes("broadcast");
            Object value = slots[root];
            await("broadcast");
            if (rank != root) write(t, value);
        }

        @Override public void barrier() {
            checkOpen("barrier");
            drain();
            await("barrier");
        }

        @Override public void checkHealth() {
            String reason = abortReason;
            if (reason != null) throw new CommunicatorException("the process group was aborted: " + reason);
        }

        @Override public void abort(String reason) {
            synchronized (waiting) {
                abortReason = reason;
                for (Thread t : waiting) t.interrupt();     // also a thread about to enter the barrier, which reset cannot reach
            }
            barrier.reset();
        }

        @Override public void close() {
            closed = true;
            if (comms != null) comms.shutdown();      // collectives already started still finish (or fail)
        }

        private void check(String op, Tensor t) {
            checkOpen(op);
            if (t.dtype() != DType.F32 && t.dtype() != DType.F64 || !t.isContiguous()) {
                throw new CommunicatorException(op + ": expected a contiguous F32 or F64 tensor, got " + t);
            }
        }

        private void checkOpen(String op) {
            if (closed) throw new CommunicatorException(op + ": rank " + rank + " has already left the group (close was called)");
            checkHealth();
        }

        private void checkSizes(String op) {
            int n = length(slots[0]);
            for (int r = 1; r < worldSize; r++) {
                if (length(slots[r]) != n || slots[r].getClass() != slots[0].getClass()) {
                    throw new CommunicatorException(op + ": rank 0 passed " + n + " elements of " + kind(slots[0]) + " but rank " + r
                            + " passed " + length(slots[r]) + " of " + kind(slots[r]) + "; every rank must pass the same size and dtype");
                }
            }
        }

        private void await(String op) {
            Thread self = Thread.currentThread();
            synchronized (waiting) {
                checkHealth();
                waiting.add(self);
            }
            try {
                barrier.await(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new CommunicatorException(op + ": rank " + rank + " waited " + Duration.ofNanos(timeoutNanos).toSeconds()
                        + " s for the other ranks, which did not arrive");
            } catch (BrokenBarrierException e) {
                checkHealth();
                throw new CommunicatorException(op + ": another rank left the collective (it timed out or failed), so rank " + rank + " stops too");
            } catch (InterruptedException e) {
                if (abortReason != null) checkHealth();       // the interrupt was abort's
                Thread.currentThread().interrupt();
                barrier.reset();
                throw new CommunicatorException(op + ": rank " + rank + " was interrupted while waiting for the other ranks");
            } finally {
                synchronized (waiting) {
                    waiting.remove(self);
                    if (abortReason != null) Thread.interrupted();   // an abort's interrupt that came after the barrier opened
                }
            }
        }
    }

    private static int length(Object array) {
        return array instanceof double[] d ? d.length : ((float[]) array).length;
    }

    private static String kind(Object array) {
        return array instanceof double[] ? "F64" : "F32";
    }

    private static void write(Tensor t, Object values) {
        Tensor host = values instanceof double[] d ? Tensor.of(d, t.shape()) : Tensor.of((float[]) values, t.shape());
        t.copyFrom(host.to(t.device()));
    }
}
