package dev.jmamba.tensor.dist;

import dev.jmamba.tensor.Tensor;

/**
 * A group of {@link #worldSize()} processes (ranks) that run the same program on their own devices
 * and combine tensors: the collectives of data-parallel training. Every rank must make the same
 * calls in the same order with tensors of the same size and dtype (as with NCCL or MPI); a call
 * that one rank skips makes the others wait until the group is {@link #abort aborted}.
 *
 * <p>Tensors are changed in place; they must be contiguous, of dtype F32 or F64, and live on the
 * device the communicator was made for. On a GPU the collectives are queued on the device's stream
 * (after the work that produced the tensor, before the work that reads it) and do not wait;
 * {@link #barrier()} waits. {@link #allReduceSumAsync} runs beside this rank's other work (a second
 * GPU stream, a communication thread) until its {@link Pending} is awaited.
 *
 * <p>Implementations: NCCL between processes ({@code dev.jmamba.tensor.cuda.NcclCommunicator}, one
 * GPU per process) and {@link LocalGroup} (threads of one process as ranks, for tests).
 */
public interface Communicator extends AutoCloseable {
    /** This process's index in the group, 0 ≤ rank < worldSize. */
    int rank();

    /** The number of ranks. */
    int worldSize();

    /** Replaces {@code t} (any shape, contiguous) on every rank by the element-wise sum over all ranks. */
    void allReduceSum(Tensor t);

    /**
     * Starts {@link #allReduceSum} of {@code t} and returns without waiting for it, so that it runs
     * while this rank goes on computing (data-parallel training all-reduces gradient buckets while
     * backward still runs); {@code t} must not be touched until {@link Pending#await()}. Collectives,
     * started this way or not, take effect in the order this rank calls them, as if each waited for the
     * one before. The default runs the collective at once.
     */
    default Pending allReduceSumAsync(Tensor t) {
        allReduceSum(t);
        return Pending.DONE;
    }

    /** Replaces {@code t} (any shape, contiguous) on every rank by {@code root}'s {@code t}. */
    void broadcast(Tensor t, int root);

    /** Returns once every rank has called it and this rank's queued work is done (a one-element all-reduce). */
    void barrier();

    /**
     * Throws {@link CommunicatorException} when the group has failed (a peer died, a network error
     * the library reported asynchronously, an {@link #abort}); otherwise returns at once.
     */
    void checkHealth();

    /** Ends the group at once, abandoning collectives in flight; every later call fails with {@code reason}. */
    void abort(String reason);

    /** Leaves the group cleanly (after this rank's queued work); idempotent. */
    @Override void close();
}
