package dev.jmamba.tensor;

import java.util.Locale;

/**
 * Memory held by a device's tensors, for reports ({@code bench train}, the trainer's metrics).
 *
 * <p>{@code allocated} counts the bytes of live storages; {@code reserved} what the device backend
 * holds to serve them (on CUDA: the caching allocator's blocks, in use or cached; on the CPU the
 * garbage collector decides, so reserved = allocated). Peaks are since the last
 * {@link Backend#resetPeakMemory()}.
 */
public record MemoryStats(long allocatedBytes, long reservedBytes, long peakAllocatedBytes, long peakReservedBytes) {
    private static final double GIB = 1024.0 * 1024 * 1024;

    /** Bytes in GiB (2^30). */
    public static double gib(long bytes) { return bytes / GIB; }

    @Override public String toString() {
        return String.format(Locale.ROOT, "allocated %.2f GiB (peak %.2f), reserved %.2f GiB (peak %.2f)",
                gib(allocatedBytes), gib(peakAllocatedBytes), gib(reservedBytes), gib(peakReservedBytes));
    }
}
