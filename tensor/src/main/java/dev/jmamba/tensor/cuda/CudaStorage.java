package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.lang.ref.Cleaner;

/**
 * Device memory holding {@code size} elements of one dtype, from the context's
 * {@link CachingAllocator}. {@link #free()} (a closing {@link dev.jmamba.tensor.Scope} or
 * {@link #release()}) hands the block back to the allocator; a storage that becomes unreachable
 * without being released is handed back by a {@link Cleaner} (at most once either way). Handing
 * back needs no synchronisation: the allocator reuses a block only for work queued later on the
 * same stream.
 */
public final class CudaStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaContext context;
    private final long pointer;
    private final Cleaner.Cleanable cleanable;

    private CudaStorage(CudaContext context, DType dtype, int size, long pointer) {
        super(dtype, size);
        this.context = context;
        this.pointer = pointer;
        CachingAllocator allocator = context.allocator();
        this.cleanable = CLEANER.register(this, () -> allocator.free(pointer));
    }

    /** Bytes reserved for {@code size} elements (at least one element, so empty tensors get a valid pointer). */
    static long bytes(DType dtype, int size) {
        return (long) Math.max(1, size) * dtype.bytes();
    }

    /** Uninitialised storage (for kernel outputs that write every element). */
    static CudaStorage uninitialized(CudaContext context, DType dtype, int size) {
        long pointer = context.allocator().allocate(bytes(dtype, size), context.stream());
        return new CudaStorage(context, dtype, size, pointer);
    }

    /** Zero-filled storage (an asynchronous memset on the stream). */
    static CudaStorage zeroed(CudaContext context, DType dtype, int size) {
        CudaStorage s = uninitialized(context, dtype, size);
        CudaDriver.memsetD8Async(s.pointer, (byte) 0, bytes(dtype, size), context.stream());
        return s;
    }

    /** The CUDA storage of {@code t}; a clear error when it lives elsewhere or was released. */
    static CudaStorage of(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s)) {
            throw new TensorException.Device("cuda", "a tensor on a CUDA device", t.device().toString());
        }
        s.checkAlive("cuda");
        return s;
    }

    /** The device pointer of element 0. */
    public long pointer() {
        return pointer;
    }

    /** The context this memory belongs to. */
    CudaContext context() {
        return context;
    }

    @Override public Device device() {
        return Device.cuda(context.index());
    }

    @Override protected void free() {
        cleanable.clean();
    }
}
