package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.JmambaException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serves device memory from a cache so that ops do not call cuMemAlloc: a freed block goes back
 * to a free list and the next request of the same size class on the same stream gets it.
 *
 * <p><b>Size classes.</b> Requests below 1 MiB are rounded up to a multiple of 512 B and reuse
 * cached blocks of exactly their size. Larger ones are rounded to a multiple of 2 MiB and served
 * best-fit: the smallest cached large block that is big enough is <em>split</em>, the rest staying
 * cached; when a block is freed it <em>merges</em> with free neighbours of the same device
 * allocation (segment). So a freed 64 MiB activation can serve two 32 MiB ones, and the memory
 * reserved stays close to what is allocated (as PyTorch's allocator does). A segment goes back to
 * the device only whole ({@link #releaseCached()}).
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

    /**
     * Default smallest device allocation (segment) made for a large request that the cache cannot serve: the request is cut
     * from the front of it and the rest stays cached. With one segment per tensor (0) freed neighbours never merge,
     * and a request larger than every cached block takes new memory even when plenty is free; segments that hold many
     * tensors let freed neighbours merge into ranges that later, larger requests (a training step's gradients after
     * its activations) fit into. {@code -Djmamba.cuda.segmentMiB} (default 0); measured in docs/SETTINGS.md.
     */
    public static final long DEFAULT_MIN_LARGE_SEGMENT = Long.getLong("jmamba.cuda.segmentMiB", 0) << 20;

    /**
     * Whether a large request the cache cannot serve first gives whole free segments back to the device, smallest
     * first, until they add up to the request (not during a graph capture): the memory reserved then follows what is
     * allocated instead of growing by every size the free blocks happen not to fit — a training step's float32
     * gradients after its bf16 activations. {@code -Djmamba.cuda.reuseFreeSegments} (this default; without the property
     * the CUDA backend turns it on for bf16 matmul precision and off otherwise, {@link #reuseFreeSegmentsUnlessSet},
     * for the device's one allocator); measured in docs/SETTINGS.md.
     */
    public static final boolean DEFAULT_REUSE_FREE_SEGMENTS = Boolean.getBoolean("jmamba.cuda.reuseFreeSegments");

    /** Whether {@code -Djmamba.cuda.reuseFreeSegments} was given (then it wins over {@link #reuseFreeSegmentsUnlessSet}). */
    static final boolean REUSE_FREE_SEGMENTS_SET = System.getProperty("jmamba.cuda.reuseFreeSegments") != null;

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

    /**
     * A block handed out or cached. Large blocks are pieces of a segment (one device allocation),
     * linked to their neighbours in address order; small blocks are whole segments of their own.
     */
    private static final class Block {
        final long pointer;
        long bytes;
        final long stream;
        final boolean large;
        Block prev, next;          // neighbours in the same segment (large blocks only), or null
        boolean free;

        Block(long pointer, long bytes, long stream, boolean large) {
            this.pointer = pointer;
            this.bytes = bytes;
            this.stream = stream;
            this.large = large;
        }

        boolean wholeSegment() { return prev == null && next == null; }
    }

    private final DeviceMemory memory;
    /** Blocks handed out and not yet freed, by pointer. */
    private final Map<Long, Block> live = new HashMap<>();
    /** Cached small blocks: stream → rounded size → blocks. */
    private final Map<Long, Map<Long, ArrayDeque<Block>>> smallFree = new HashMap<>();
    /** Cached large blocks: stream → size → blocks (best fit by size). */
    private final Map<Long, TreeMap<Long, ArrayDeque<Block>>> largeFree = new HashMap<>();
    /** Non-null while a graph capture is running. */
    private List<Block> freedDuringCapture;

    private long allocatedBytes;
    private long reservedBytes;
    private long peakAllocatedBytes;
    private long peakReservedBytes;
    private long deviceAllocCalls;
    private long deviceFreeCalls;
    private long cacheHits;

    private final long minLargeSegment;
    private boolean reuseFreeSegments;

    /** An allocator drawing from {@code memory}, with the {@link #DEFAULT_MIN_LARGE_SEGMENT} and {@link #DEFAULT_REUSE_FREE_SEGMENTS}. */
    public CachingAllocator(DeviceMemory memory) {
        this(memory, DEFAULT_MIN_LARGE_SEGMENT, DEFAULT_REUSE_FREE_SEGMENTS);
    }

    /**
     * An allocator drawing from {@code memory} whose new large segments are at least {@code minLargeSegment} bytes (0:
     * exact) and that, with {@code reuseFreeSegments}, gives whole free segments back before it takes a new one.
     */
    public CachingAllocator(DeviceMemory memory, long minLargeSegment, boolean reuseFreeSegments) {
        if (minLargeSegment < 0) throw new JmambaException("CachingAllocator: minimum segment size must be >= 0 bytes, got " + minLargeSegment);
        this.memory = memory;
        this.minLargeSegment = minLargeSegment;
        this.reuseFreeSegments = reuseFreeSegments;
    }

    /**
     * Turns the giving back of whole free segments on or off unless {@code -Djmamba.cuda.reuseFreeSegments} said which:
     * the backend turns it on for bf16 mixed precision, whose float32 gradients do not fit the freed bf16 activations'
     * blocks (docs/SETTINGS.md has the measurements).
     */
    public synchronized void reuseFreeSegmentsUnlessSet(boolean on) {
        if (!REUSE_FREE_SEGMENTS_SET) reuseFreeSegments = on;
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
        boolean large = rounded >= SMALL_LIMIT;
        Block block = large ? takeLarge(rounded, stream) : takeSmall(rounded, stream);
        if (block != null) {
            cacheHits++;
        } else {
            if (large && reuseFreeSegments && freedDuringCapture == null) giveBackWholeFreeSegments(rounded, stream);
            if (large && minLargeSegment > rounded) block = takeFromNewSegment(bytes, rounded, stream);
            if (block == null) block = new Block(allocateFromDevice(bytes, rounded), rounded, stream, large);
        }
        block.free = false;
        live.put(block.pointer, block);
        allocatedBytes += block.bytes;
        peakAllocatedBytes = Math.max(peakAllocatedBytes, allocatedBytes);
        return block.pointer;
    }

    /** A new segment of the minimum segment size, cached whole, with {@code rounded} cut from it; null when the device has no room for it. */
    private Block takeFromNewSegment(long requested, long rounded, long stream) {
        long segment = roundSize(minLargeSegment);
        long pointer;
        try {
            pointer = allocateFromDevice(requested, segment);
        } catch (CudaException e) {
            if (!e.isOutOfMemory()) throw e;
            return null;                                    // the request alone may still fit
        }
        Block whole = new Block(pointer, segment, stream, true);
        whole.free = true;
        putLarge(whole);
        return takeLarge(rounded, stream);
    }

    /**
     * Gives whole free large segments of {@code stream} back to the device, smallest first, once they add up to
     * {@code rounded} bytes (nothing when they do not), so the new segment the caller takes next replaces them.
     */
    private void giveBackWholeFreeSegments(long rounded, long stream) {
        TreeMap<Long, ArrayDeque<Block>> bySize = largeFree.get(stream);
        if (bySize == null) return;
        List<Block> whole = new ArrayList<>();
        long total = 0;
        for (ArrayDeque<Block> blocks : bySize.values()) {   // ascending sizes
            for (Block b : blocks) {
                if (total >= rounded) break;
                if (!b.wholeSegment()) continue;
                whole.add(b);
                total += b.bytes;
            }
        }
        if (total < rounded) return;
        for (Block b : whole) {
            removeLarge(b);
            giveBack(b);
        }
    }

    private Block takeSmall(long rounded, long stream) {
        ArrayDeque<Block> cached = smallFree.getOrDefault(stream, Map.of()).get(rounded);
        return cached == null || cached.isEmpty() ? null : cached.pop();
    }

    /** The smallest cached large block of at least {@code rounded} bytes, split to exactly that size; or null. */
    private Block takeLarge(long rounded, long stream) {
        TreeMap<Long, ArrayDeque<Block>> bySize = largeFree.get(stream);
        if (bySize == null) return null;
        Map.Entry<Long, ArrayDeque<Block>> fit = bySize.ceilingEntry(rounded);
        if (fit == null) return null;
        Block block = fit.getValue().pop();
        if (fit.getValue().isEmpty()) bySize.remove(fit.getKey());
        if (block.bytes > rounded) {                         // split: the tail stays cached
            Block rest = new Block(block.pointer + rounded, block.bytes - rounded, stream, true);
            rest.prev = block;
            rest.next = block.next;
            if (block.next != null) block.next.prev = rest;
            block.next = rest;
            block.bytes = rounded;
            rest.free = true;
            putLarge(rest);
        }
        return block;
    }

    private void putLarge(Block b) {
        largeFree.computeIfAbsent(b.stream, s -> new TreeMap<>()).computeIfAbsent(b.bytes, n -> new ArrayDeque<>()).push(b);
    }

    private void removeLarge(Block b) {
        TreeMap<Long, ArrayDeque<Block>> bySize = largeFree.get(b.stream);
        ArrayDeque<Block> same = bySize.get(b.bytes);
        same.remove(b);
        if (same.isEmpty()) bySize.remove(b.bytes);
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
        allocatedBytes -= block.bytes;
        if (freedDuringCapture != null) {
            freedDuringCapture.add(block);
        } else {
            cache(block);
        }
    }

    /** Puts a block in the cache; a large one first merges with free neighbours of its segment. */
    private void cache(Block block) {
        block.free = true;
        if (!block.large) {
            smallFree.computeIfAbsent(block.stream, s -> new HashMap<>())
                    .computeIfAbsent(block.bytes, b -> new ArrayDeque<>()).push(block);
            return;
        }
        Block merged = block;
        if (merged.prev != null && merged.prev.free) {       // absorb into the free block before
            Block p = merged.prev;
            removeLarge(p);
            p.bytes += merged.bytes;
            p.next = merged.next;
            if (merged.next != null) merged.next.prev = p;
            merged = p;
        }
        if (merged.next != null && merged.next.free) {       // absorb the free block after
            Block n = merged.next;
            removeLarge(n);
            merged.bytes += n.bytes;
            merged.next = n.next;
            if (n.next != null) n.next.prev = merged;
        }
        putLarge(merged);
    }

    /**
     * Returns every cached block that is a whole device allocation to the device. Blocks in use,
     * blocks held for a graph, and free pieces of a segment that is partly in use stay.
     */
    public synchronized void releaseCached() {
        for (Map<Long, ArrayDeque<Block>> bySize : smallFree.values()) {
            for (ArrayDeque<Block> blocks : bySize.values()) for (Block b : blocks) giveBack(b);
        }
        smallFree.clear();
        for (TreeMap<Long, ArrayDeque<Block>> bySize : largeFree.values()) {
            for (ArrayDeque<Block> blocks : bySize.values()) {
                blocks.removeIf(b -> {
                    if (!b.wholeSegment()) return false;
                    giveBack(b);
                    return true;
                });
            }
            bySize.values().removeIf(ArrayDeque::isEmpty);
        }
    }

    private void giveBack(Block b) {
        memory.free(b.pointer);
        deviceFreeCalls++;
        reservedBytes -= b.bytes;
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
