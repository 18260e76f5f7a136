package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.CpuStorage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies contiguous tensors between the Java heap and a CUDA device through a native staging
 * buffer. Host-to-device returns once the driver has taken the data (pageable memory is staged
 * by the driver before cuMemcpyHtoDAsync returns), so nothing waits for queued kernels;
 * device-to-host waits for the stream — the one place the backend synchronises — and then
 * reports any error a kernel recorded ({@link DeviceErrors}).
 *
 * <p>Neither may run while a {@link CudaGraph} is being captured: a read to the host would wait for
 * kernels that were only recorded, and a captured upload would replay from a staging buffer that
 * is gone. Both throw an {@link IllegalStateException} naming the copy instead.
 */
final class CudaTransfer {
    private CudaTransfer() {}

    /** The layout matching the Java array of a dtype (BF16 travels as its 16-bit patterns). */
    private static ValueLayout layout(DType dtype) {
        return switch (dtype) {
            case F32 -> JAVA_FLOAT;
            case F64 -> JAVA_DOUBLE;
            case I32 -> JAVA_INT;
            case I64 -> JAVA_LONG;
            case BF16 -> JAVA_SHORT;
        };
    }

    /** A CUDA copy of the contiguous CPU tensor {@code src}. */
    static Tensor toDevice(Tensor src, CudaBackend backend) {
        backend.enter();
        refuseDuringCapture(backend, "a host-to-device copy (Tensor.to(cuda))");
        DType dtype = src.dtype();
        int n = src.numel();
        Tensor out = backend.strided.empty(dtype, src.shape());
        if (n == 0) return out;
        Object array = ((CpuStorage) src.storage()).array();
        long bytes = (long) n * dtype.bytes();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(bytes, 16);
            MemorySegment.copy(array, src.offset(), staging, layout(dtype), 0, n);
            CudaDriver.memcpyHtoDAsync(Launcher.address(out), staging, bytes, backend.context().stream());
        }
        return out;
    }

    /** A CPU copy of the contiguous CUDA tensor {@code src}, after all queued work. */
    static Tensor toHost(Tensor src, CudaBackend backend) {
        backend.enter();
        refuseDuringCapture(backend, "a device-to-host read (item(), toArray(), Tensor.to(cpu))");
        DType dtype = src.dtype();
        int n = src.numel();
        CpuStorage storage = CpuStorage.allocate(dtype, n);
        long bytes = (long) n * dtype.bytes();
        CudaContext context = backend.context();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(Math.max(1, bytes), 16);
            MemorySegment flag = arena.allocate(DeviceErrors.BYTES, 16);
            if (n > 0) CudaDriver.memcpyDtoHAsync(staging, Launcher.address(src), bytes, context.stream());
            backend.errors().queueRead(flag);
            Profiler.hostSync();
            context.synchronize();
            backend.errors().check(flag);
            if (n > 0) MemorySegment.copy(staging, layout(dtype), 0, storage.array(), 0, n);
        }
        return new Tensor(storage, src.shape(), dev.jmamba.tensor.Shapes.contiguousStrides(src.shape()), 0);
    }

    private static void refuseDuringCapture(CudaBackend backend, String what) {
        if (backend.context().allocator().isCapturing()) {
            throw new IllegalStateException(what + " cannot run while a CUDA graph is being captured on "
                    + backend.context() + ": keep host reads and uploads out of the captured work "
                    + "(copy inputs into static device tensors before a replay, read results after it)");
        }
    }
}
