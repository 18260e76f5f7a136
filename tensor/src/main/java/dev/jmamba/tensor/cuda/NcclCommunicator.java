package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.CommunicatorException;
import dev.jmamba.tensor.dist.Pending;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Communicator} over NCCL: one process per GPU, the collectives queued on the device's one
 * jmamba stream ({@link CudaContext#stream()}), so they run in order with the kernels that produce
 * and consume the tensors and the host never waits for them — except {@link #barrier()}, which polls
 * the stream and NCCL's asynchronous error state instead of blocking, so a dead peer ends it with an
 * exception rather than a hang.
 *
 * <p>{@link #allReduceSumAsync} runs on a second stream, the communication stream (made on first
 * use), so the all-reduce overlaps the kernels queued on the compute stream after it: an event
 * recorded on the compute stream (after the work that wrote the tensor) is waited on by the
 * communication stream before the all-reduce, and the {@link Pending}'s {@code await} makes the
 * compute stream wait on an event recorded after it. A plain collective called while asynchronous ones
 * may still run first makes the compute stream wait for them, so on the device the collectives run
 * one after the other in the order they were called — what NCCL needs of every rank. The host never
 * waits for any of this.
 */
public final class NcclCommunicator implements Communicator {
    private final CudaContext context;
    private final Device device;
    private final long comm;
    private final int rank, worldSize;
    /** One float on the device for {@link #barrier()}. */
    private final Tensor token;
    private volatile String abortReason;
    private volatile boolean closed;
    /** The communication stream of {@link #allReduceSumAsync} (0 until first used) and its ordering events. */
    private long commStream;
    /** Recorded on the compute stream before each asynchronous collective; the communication stream waits on it. */
    private long computeDone;
    /** Recorded on the communication stream after each asynchronous collective; plain collectives wait on it. */
    private long commsDone;
    /** Whether an asynchronous collective was started since the compute stream last waited for commsDone. */
    private boolean commsBusy;
    /** Events for Pending handles, reused once awaited. */
    private final ArrayDeque<Long> freeEvents = new ArrayDeque<>();
    /**
     * Guards the communication stream and its events. Not {@code this}: {@link #abort} (the watchdog's
     * way out of a hung collective) must never wait for a thread that is inside an NCCL call.
     */
    private final Object streams = new Object();

    private NcclCommunicator(CudaContext context, long comm, int rank, int worldSize) {
        this.context = context;
        this.device = Device.cuda(context.index());
        this.comm = comm;
        this.rank = rank;
        this.worldSize = worldSize;
        this.token = Scope.unowned(() -> Tensor.zeros(DType.F32, device, 1));
    }

    /** NCCL's version as "2.28.3"; throws {@link CudaUnavailableException} when NCCL is missing. */
    public static String version() {
        int v = Nccl.version();    // 2.x: major*10000 + minor*100 + patch
        return v / 10000 + "." + v / 100 % 100 + "." + v % 100;
    }

    /** A fresh ncclUniqueId (128 bytes) for a new group; rank 0 makes it. */
    public static byte[] newUniqueId(Device device) {
        contextOf(device).makeCurrent();
        return Nccl.uniqueId();
    }

    /** Joins group {@code uniqueId} as {@code rank} of {@code worldSize} on CUDA device {@code device}; blocks until all ranks have joined. */
    public static NcclCommunicator join(Device device, byte[] uniqueId, int rank, int worldSize) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new CommunicatorException("NCCL: expected 0 <= rank < world size, got rank " + rank + " of " + worldSize);
        }
        CudaContext context = contextOf(device);
        context.makeCurrent();
        long comm = Nccl.commInitRank(worldSize, uniqueId, rank);
        return new NcclCommunicator(context, comm, rank, worldSize);
    }

    private static CudaContext contextOf(Device device) {
        if (!(device instanceof Device.Cuda cuda)) throw new CommunicatorException("NCCL works on CUDA devices; got " + device);
        return CudaContext.get(cuda.index());
    }

    @Override public int rank() { return rank; }

    @Override public int worldSize() { return worldSize; }

    @Override public void allReduceSum(Tensor t) {
        long pointer = pointer("allReduceSum", t);
        afterAsynchronousOnes();
        Nccl.allReduce(pointer, pointer, t.numel(), dataType(t), Nccl.SUM, comm, context.stream());
    }

    @Override public Pending allReduceSumAsync(Tensor t) {
        synchronized (streams) {
            return startAllReduce(t);
        }
    }

    private Pending startAllReduce(Tensor t) {
        long pointer = pointer("allReduceSumAsync", t);
        if (commStream == 0) {
            commStream = CudaDriver.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
            computeDone = CudaDriver.eventCreate(CudaDriver.EVENT_DISABLE_TIMING);
            commsDone = CudaDriver.eventCreate(CudaDriver.EVENT_DISABLE_TIMING);
        }
        CudaDriver.eventRecord(computeDone, context.stream());          // after the kernels that wrote t (and earlier collectives)
        CudaDriver.streamWaitEvent(commStream, computeDone);
        Nccl.allReduce(pointer, pointer, t.numel(), dataType(t), Nccl.SUM, comm, commStream);
        long done = freeEvents.isEmpty() ? CudaDriver.eventCreate(CudaDriver.EVENT_DISABLE_TIMING) : freeEvents.pop();
        CudaDriver.eventRecord(done, commStream);
        CudaDriver.eventRecord(commsDone, commStream);
        commsBusy = true;
        boolean[] awaited = {false};
        return () -> {
            synchronized (streams) {
                if (awaited[0]) return;
                checkOpen("await");
                context.makeCurrent();
                CudaDriver.streamWaitEvent(context.stream(), done);    // the compute stream reads t only after the all-reduce
                awaited[0] = true;
                freeEvents.push(done);
            }
        };
    }

    /** A collective on the compute stream runs after the asynchronous ones called before it. */
    private void afterAsynchronousOnes() {
        synchronized (streams) {
            if (!commsBusy) return;
            CudaDriver.streamWaitEvent(context.stream(), commsDone);
            commsBusy = false;
        }
    }

    @Override public void broadcast(Tensor t, int root) {
        if (root < 0 || root >= worldSize) {
            throw new CommunicatorException("broadcast: expected a root rank in 0.." + (worldSize - 1) + ", got " + root);
        }
        long pointer = pointer("broadcast", t);
        afterAsynchronousOnes();
        Nccl.broadcast(pointer, pointer, t.numel(), dataType(t), root, comm, context.stream());
    }

    @Override public void barrier() {
        allReduceSum(token);
        long stream = context.stream();
        long spins = 0;
        while (true) {
            int status = Nccl.streamQuery(stream);
            if (status == 0) return;
            if (status != Nccl.CUDA_ERROR_NOT_READY) CudaCheck.driver(status, "cuStreamQuery");
            checkHealth();
            if (++spins > 100) LockSupport.parkNanos(200_000);    // spin briefly, then poll every 0.2 ms
        }
    }

    @Override public void checkHealth() {
        String reason = abortReason;
        if (reason != null) throw new CommunicatorException("the NCCL group was aborted on rank " + rank + ": " + reason);
        if (closed) throw new CommunicatorException("rank " + rank + " has already left the NCCL group (close was called)");
        int error = Nccl.asyncError(comm);
        if (error != 0 && error != Nccl.IN_PROGRESS) {
            String detail = Nccl.lastError(comm);
            throw new CommunicatorException("NCCL failed on rank " + rank + " of " + worldSize + ": " + Nccl.errorString(error) + " (" + error + ")"
                    + (detail.isBlank() ? "" : ": " + detail) + " (a peer process may have died or the network between the GPUs failed)");
        }
    }

    @Override public synchronized void abort(String reason) {
        if (abortReason != null || closed) return;
        abortReason = reason;
        Nccl.abort(comm);
    }

    @Override public synchronized void close() {
        if (closed || abortReason != null) return;
        closed = true;
        context.makeCurrent();
        Nccl.finalizeAndDestroy(comm);
        token.storage().release();
        synchronized (streams) {
            if (commStream != 0) {
                CudaDriver.streamSynchronize(commStream);
                CudaDriver.streamDestroy(commStream);
                CudaDriver.eventDestroy(computeDone);
                CudaDriver.eventDestroy(commsDone);
                for (long e : freeEvents) CudaDriver.eventDestroy(e);
                freeEvents.clear();
                commStream = 0;
            }
        }
    }

    private long pointer(String op, Tensor t) {
        checkOpen(op);
        if (!t.isContiguous() || t.dtype() != DType.F32 && t.dtype() != DType.F64) {
            throw new CommunicatorException(op + ": expected a contiguous F32 or F64 tensor, got " + t);
        }
        if (!t.device().equals(device)) {
            throw new CommunicatorException(op + ": expected a tensor on " + device + " (this rank's GPU), got one on " + t.device());
        }
        context.makeCurrent();
        return CudaStorage.of(t).pointer() + (long) t.offset() * t.dtype().bytes();
    }

    private void checkOpen(String op) {
        String reason = abortReason;
        if (reason != null) throw new CommunicatorException(op + ": the NCCL group was aborted on rank " + rank + ": " + reason);
        if (closed) throw new CommunicatorException(op + ": rank " + rank + " has already left the NCCL group (close was called)");
    }

    private static int dataType(Tensor t) {
        return t.dtype() == DType.F64 ? Nccl.FLOAT64 : Nccl.FLOAT32;
    }

    @Override public String toString() {
        return "NCCL rank " + rank + " of " + worldSize + " on " + device;
    }
}
