package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.JmambaException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves device memory from a cache so that ops do not call cuMemAlloc: a freed block goes back
 * to a free list and the next request of the same size class on the same stream gets it.
 *
 * <p><b>Size classes.</b> Requests below 1 MiB are rounded up to a multiple of 512 B; larger ones
 * to a multiple of 2 MiB. A cached block is reused only for the same rounded size (no splitting),
 * which keeps the bookkeeping small and every reuse exact.
 *
 * <p><b>Streams.</b> Free lists are kept per stream. A block freed on stream S may be handed to
 * the next allocation on S without synchronising: stream order guarantees the earlier kernels
 * that used it have finished before later work on S touches it. Freeing a block that another
 * stream still uses is the caller's error (synchronise or free on that stream).
 *
 * <p><b>Out of memory.</b> When the device refuses, the allocator returns every cached block to
 * the device and tries once more; if that fails too it throws a {@link CudaException} (with
 * {@link CudaException#isOutOfMemory()} true) naming the requested size and the {@link Stats}.
 *
 * <p><b>CUDA graphs.</b> Between {@link #beginCapture()} and {@link #endCapture()} a freed block
 * does not return to a free list: the captured graph will read and write it on every replay. It
 * waits in the returned {@link CapturedBlocks} until {@link #releaseCaptured} (called when the
 * graph is destroyed). Blocks allocated during capture and kept by the caller stay owned by the
 * caller; they must outlive the graph (a per-step arena that lives as long as the graph does this).
 *
 * <p>Thread-safe (every method is synchronized; uncontended locks cost a few nanoseconds).
 */
public final class CachingAllocator implements AutoCloseable {
    /** Requests below this many bytes are "small". */
    public static final long SMALL_LIMIT = 1L << 20;
    /** Small requests are rounded up to a multiple of this. */
    public static final long SMALL_ROUNDING = 512;
    /** Large requests are rounded up to a multiple of this. */
    public static final long LARGE_ROUNDING = 2L << 20;

    /** Counters, in bytes and calls. */
    public record Stats(long allocatedBytes, long reservedBytes, long peakAllocatedBytes, long peakReservedBytes,
                        long deviceAllocCalls, long deviceFreeCalls, long cacheHits) {
        @Override
        public String toString() {
            return "allocated " + allocatedBytes + " B, reserved " + reservedBytes + " B, peak allocated "
                    + peakAllocatedBytes + " B, peak reserved " + peakReservedBytes + " B, " + deviceAllocCalls
                    + " device allocations, " + deviceFreeCalls + " device frees, " + cacheHits + " cache hits";
        }
    }

    /** Blocks freed during one capture, held until the graph that uses them is destroyed. */
    public static final class CapturedBlocks {
        private final List<Block> blocks;

        private CapturedBlocks(List<Block> blocks) {
            this.blocks = blocks;
        }

        /** How many blocks are held. */
        public int size() {
            return blocks.size();
        }
    }

    private record Block(long pointer, long bytes, long stream) {}

    private final DeviceMemory memory;
    /** Blocks handed out and not yet freed, by pointer. */
    private final Map<Long, Block> live = new HashMap<>();
    /** Cached blocks: stream → rounded size → pointers. */
    private final Map<Long, Map<Long, ArrayDeque<Long>>> freeLists = new HashMap<>();
    /** Non-null while a graph capture is running. */
    private List<Block> freedDuringCapture;

    private long allocatedBytes;
    private long reservedBytes;
    private long peakAllocatedBytes;
    private long peakReservedBytes;
    private long deviceAllocCalls;
    private long deviceFreeCalls;
    private long cacheHits;

    /** An allocator drawing from {@code memory}. */
    public CachingAllocator(DeviceMemory memory) {
        this.memory = memory;
    }

    /** The size class of a request: the number of bytes actually reserved for it. */
    public static long roundSize(long bytes) {
        if (bytes <= 0) throw new JmambaException("device allocation size must be positive; got " + bytes + " bytes");
        long unit = bytes < SMALL_LIMIT ? SMALL_ROUNDING : LARGE_ROUNDING;
        if (bytes > Long.MAX_VALUE - unit) {
            throw new JmambaException("device allocation size " + bytes + " bytes is too large to round up");
        }
        return (bytes + unit - 1) / unit * unit;
    }

    /** A block of at least {@code bytes} bytes for use on {@code stream}. */
    public synchronized long allocate(long bytes, long stream) {
        long rounded = roundSize(bytes);
        long pointer;
        ArrayDeque<Long> cached = freeLists.getOrDefault(stream, Map.of()).get(rounded);
        if (cached != null && !cached.isEmpty()) {
            pointer = cached.pop();
            cacheHits++;
        } else {
            pointer = allocateFromDevice(bytes, rounded);
        }
        live.put(pointer, new Block(pointer, rounded, stream));
        allocatedBytes += rounded;
        peakAllocatedBytes = Math.max(peakAllocatedBytes, allocatedBytes);
        return pointer;
    }

    private long allocateFromDevice(long requested, long rounded) {
        long pointer;
        try {
            pointer = memory.alloc(rounded);
        } catch (CudaException first) {
            if (!first.isOutOfMemory()) throw first;
            releaseCached();
            try {
                pointer = memory.alloc(rounded);
            } catch (CudaException second) {
                if (!second.isOutOfMemory()) throw second;
                throw new CudaException("CachingAllocator.allocate", CudaException.CUDA_ERROR_OUT_OF_MEMORY,
                        "out of device memory: could not allocate " + requested + " bytes (size class " + rounded
                                + " bytes) even after releasing the cache; " + statsLocked(), second);
            }
        }
        deviceAllocCalls++;
        reservedBytes += rounded;
        peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
        return pointer;
    }

    /** Gives a block back to the cache (or, during a capture, to the captured-blocks list). */
    public synchronized void free(long pointer) {
        Block block = live.remove(pointer);
        if (block == null) {
            throw new JmambaException("device pointer 0x" + Long.toHexString(pointer)
                    + " was not allocated by this allocator or was already freed");
        }
        allocatedBytes -= block.bytes();
        if (freedDuringCapture != null) {
            freedDuringCapture.add(block);
        } else {
            cache(block);
        }
    }

    private void cache(Block block) {
        freeLists.computeIfAbsent(block.stream(), s -> new HashMap<>())
                .computeIfAbsent(block.bytes(), b -> new ArrayDeque<>()).push(block.pointer());
    }

    /** Returns every cached (free) block to the device. Blocks in use or held for a graph stay. */
    public synchronized void releaseCached() {
        for (Map<Long, ArrayDeque<Long>> bySize : freeLists.values()) {
            for (Map.Entry<Long, ArrayDeque<Long>> entry : bySize.entrySet()) {
                for (long pointer : entry.getValue()) {
                    memory.free(pointer);
                    deviceFreeCalls++;
                    reservedBytes -= entry.getKey();
                }
            }
        }
        freeLists.clear();
    }

    /** Starts holding freed blocks back for a graph being captured. One capture at a time. */
    public synchronized void beginCapture() {
        if (freedDuringCapture != null) throw new IllegalStateException("a graph capture is already running on this allocator");
        freedDuringCapture = new ArrayList<>();
    }

    /** True between {@link #beginCapture()} and {@link #endCapture()}. */
    public synchronized boolean isCapturing() {
        return freedDuringCapture != null;
    }

    /** Ends the capture; the returned blocks must be given to {@link #releaseCaptured} once the graph is destroyed. */
    public synchronized CapturedBlocks endCapture() {
        if (freedDuringCapture == null) throw new IllegalStateException("endCapture without beginCapture");
        CapturedBlocks held = new CapturedBlocks(freedDuringCapture);
        freedDuringCapture = null;
        return held;
    }

    /** Makes the blocks of a destroyed graph reusable. */
    public synchronized void releaseCaptured(CapturedBlocks held) {
        for (Block block : held.blocks) cache(block);
        held.blocks.clear();
    }

    /** Starts the peaks again from the current allocated and reserved bytes. */
    public synchronized void resetPeaks() {
        peakAllocatedBytes = allocatedBytes;
        peakReservedBytes = reservedBytes;
    }

    /** A snapshot of the counters. */
    public synchronized Stats stats() {
        return statsLocked();
    }

    private Stats statsLocked() {
        return new Stats(allocatedBytes, reservedBytes, peakAllocatedBytes, peakReservedBytes,
                deviceAllocCalls, deviceFreeCalls, cacheHits);
    }

    /** Returns the cached blocks to the device. Blocks still in use are the owners' to free. */
    @Override
    public synchronized void close() {
        releaseCached();
    }
}
