package dev.jmamba.tensor.dist;

/**
 * A collective that was started and may still be running ({@link Communicator#allReduceSumAsync}),
 * as PyTorch's {@code Work} handle: the tensor must not be read or written until {@link #await()}.
 */
@FunctionalInterface
public interface Pending {
    /**
     * Makes the collective's result usable by what this rank does next: on a GPU, work queued on the
     * device's stream after this call waits for it (the host does not wait); on the host, returns once
     * it has finished. Throws {@link CommunicatorException} when it failed. Calling it again does nothing.
     */
    void await();

    /** A collective that has already finished. */
    Pending DONE = () -> {};
}
