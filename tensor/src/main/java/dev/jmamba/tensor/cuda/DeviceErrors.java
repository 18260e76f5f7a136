package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jmamba.tensor.TensorException;
import java.lang.foreign.MemorySegment;

/**
 * Errors found by kernels (an index out of range), reported without synchronising: the kernel
 * records the first one in a small device buffer ({@code jm_report_index}: op code, index, axis
 * size, axis) and the next host read ({@link CudaTransfer}), which waits for the stream anyway,
 * copies the buffer back with its data and throws a {@link TensorException} naming the op.
 */
final class DeviceErrors {
    /** Op codes of jm_report_index; 0 means "no error". */
    static final int GATHER = 1, SCATTER_ADD = 2, INDEX_SELECT = 3, INDEX_ADD = 4;
    /** Bytes of the flag buffer: four 64-bit words. */
    static final long BYTES = 32;

    private final CudaContext context;
    private final long flag;

    DeviceErrors(CudaContext context) {
        this.context = context;
        this.flag = context.allocator().allocate(BYTES, context.stream());
        CudaDriver.memsetD8Async(flag, (byte) 0, BYTES, context.stream());
    }

    /** The device pointer kernels report to. */
    long pointer() {
        return flag;
    }

    /** Queues a copy of the flag into {@code staging} (32 bytes); call {@link #check} after the stream synchronised. */
    void queueRead(MemorySegment staging) {
        CudaDriver.memcpyDtoHAsync(staging, flag, BYTES, context.stream());
    }

    /** Throws (and clears the flag) when {@code staging}, read after a synchronise, holds an error. */
    void check(MemorySegment staging) {
        long op = staging.get(JAVA_LONG, 0);
        if (op == 0) return;
        long index = staging.get(JAVA_LONG, 8), size = staging.get(JAVA_LONG, 16), axis = staging.get(JAVA_LONG, 24);
        CudaDriver.memsetD8Async(flag, (byte) 0, BYTES, context.stream());
        throw error((int) op, index, size, axis);
    }

    /** The exception for a recorded error. */
    static TensorException error(int op, long index, long size, long axis) {
        String name = switch (op) {
            case GATHER -> "gather";
            case SCATTER_ADD -> "scatterAdd";
            case INDEX_SELECT -> "indexSelect";
            case INDEX_ADD -> "indexAdd";
            default -> "cuda kernel " + op;
        };
        return new TensorException.Shape(name, "indices in [0, " + size + ") along axis " + axis
                + " (found by a CUDA kernel, reported at the next read)", String.valueOf(index));
    }
}
