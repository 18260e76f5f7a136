package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;

/**
 * A point on a CUDA device's compute stream that work on other streams can be ordered after: the
 * thread that queues the compute work calls {@link #record()} after the work that must finish
 * first (e.g. the training step that reads a batch buffer), and an {@link NvjpegDecoder} given this
 * fence queues its writes after the latest record. A fence never recorded is passed at once.
 *
 * <p>Host ordering is the caller's job: a wait is ordered after the record that happened before it
 * on the host (a CUDA event), so the thread that writes must see the record first (e.g. through
 * the loader's hand-over of the slot). Record it only outside a CUDA graph capture.
 */
public final class StreamFence implements AutoCloseable {
    private final CudaBackend backend;
    private final long event;
    private boolean closed;

    private StreamFence(CudaBackend backend) {
        this.backend = backend;
        backend.enter();
        this.event = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
    }

    /** A fence on the compute stream of the CUDA device {@code device}. */
    public static StreamFence create(Device device) {
        if (!(device instanceof Device.Cuda)) throw new JmambaException("StreamFence: needs a CUDA device, got " + device);
        return new StreamFence((CudaBackend) Backends.raw(device));
    }

    /** Marks the work queued on the compute stream so far. */
    public void record() {
        requireOpen();
        backend.enter();
        CudaDriver.eventRecord(event, backend.context().stream());
    }

    /** Makes {@code stream} wait for the latest record. */
    void awaitOn(long stream) {
        requireOpen();
        CudaDriver.streamWaitEvent(stream, event);
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("StreamFence used after close()");
    }

    /** Waits for the latest record and frees the event. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        backend.enter();
        CudaDriver.eventSynchronize(event);
        CudaDriver.eventDestroy(event);
    }
}
