package dev.jmamba.tensor.cuda;

/**
 * Raw device memory, as the {@link CachingAllocator} sees it: on a GPU this is cuMemAlloc_v2 /
 * cuMemFree_v2; tests on the CPU use a fake with the same contract.
 */
public interface DeviceMemory {
    /**
     * A fresh block of {@code bytes} bytes. When the device is full this throws a
     * {@link CudaException} whose {@link CudaException#isOutOfMemory()} is true.
     */
    long alloc(long bytes);

    /** Returns a block obtained from {@link #alloc}. */
    void free(long pointer);

    /** The real thing: cuMemAlloc_v2 / cuMemFree_v2 in the current context. */
    static DeviceMemory driver() {
        return new DeviceMemory() {
            @Override
            public long alloc(long bytes) {
                return CudaDriver.memAlloc(bytes);
            }

            @Override
            public void free(long pointer) {
                CudaDriver.memFree(pointer);
            }
        };
    }
}
