package dev.jmamba.tensor.cuda;

import java.util.HashMap;
import java.util.Map;

/** Device memory on the CPU for allocator tests: hands out addresses, keeps a capacity, counts calls. */
final class FakeDeviceMemory implements DeviceMemory {
    private final long capacity;
    private final Map<Long, Long> blocks = new HashMap<>();
    private long used;
    private long nextAddress = 0x7f00_0000_0000L;
    int allocCalls;
    int freeCalls;

    FakeDeviceMemory(long capacity) {
        this.capacity = capacity;
    }

    @Override
    public long alloc(long bytes) {
        if (used + bytes > capacity) {
            throw new CudaException("cuMemAlloc_v2", CudaException.CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY");
        }
        long address = nextAddress;
        nextAddress += (bytes + 255) / 256 * 256; // cuMemAlloc aligns to 256 bytes
        blocks.put(address, bytes);
        used += bytes;
        allocCalls++;
        return address;
    }

    @Override
    public void free(long pointer) {
        Long bytes = blocks.remove(pointer);
        if (bytes == null) throw new IllegalStateException("fake device: free of unknown pointer 0x" + Long.toHexString(pointer));
        used -= bytes;
        freeCalls++;
    }

    long used() {
        return used;
    }

    int outstandingBlocks() {
        return blocks.size();
    }
}
