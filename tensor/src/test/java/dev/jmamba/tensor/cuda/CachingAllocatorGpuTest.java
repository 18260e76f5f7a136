package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The caching allocator on real device memory: reuse, stats and the out-of-memory path. */
@Tag("gpu")
class CachingAllocatorGpuTest {

    @Test
    void reuseWithoutNewDeviceAllocations() {
        CudaContext context = GpuTests.context();
        CachingAllocator allocator = new CachingAllocator(DeviceMemory.driver());
        long stream = context.stream();
        long first = allocator.allocate(3 << 20, stream);
        allocator.free(first);
        for (int i = 0; i < 100; i++) {
            long again = allocator.allocate(3 << 20, stream);
            assertEquals(first, again);
            allocator.free(again);
        }
        CachingAllocator.Stats stats = allocator.stats();
        assertEquals(1, stats.deviceAllocCalls());
        assertEquals(100, stats.cacheHits());
        assertEquals(4 << 20, stats.reservedBytes());
        assertEquals(0, stats.allocatedBytes());
        long free = CudaDriver.memGetInfo()[0];
        allocator.close();
        assertTrue(CudaDriver.memGetInfo()[0] >= free, "closing returns the cached block to the device");
        assertEquals(0, allocator.stats().reservedBytes());
    }

    @Test
    void onePetabyteFailsWithSizeAndStats() {
        CudaContext context = GpuTests.context();
        CachingAllocator allocator = new CachingAllocator(DeviceMemory.driver());
        long kept = allocator.allocate(1000, context.stream());
        long cached = allocator.allocate(1 << 20, context.stream());
        allocator.free(cached);
        long petabyte = 1L << 50;
        CudaException e = assertThrows(CudaException.class, () -> allocator.allocate(petabyte, context.stream()));
        System.out.println("1 PB request: " + e.getMessage());
        assertTrue(e.isOutOfMemory(), e.getMessage());
        assertTrue(e.getMessage().contains(petabyte + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("allocated 1024 B"), e.getMessage());
        assertEquals(1, allocator.stats().deviceFreeCalls(), "the cached block was released before the retry");
        allocator.free(kept);
        allocator.close();
    }
}
