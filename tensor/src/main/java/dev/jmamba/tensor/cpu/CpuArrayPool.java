package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Arrays of released CPU storages, kept by (dtype, length) for the next storage of that size: the CPU side of a
 * caching allocator. A training step allocates the same sizes in every step, and a fresh Java array costs more
 * than its own zeroing: it lands on memory the garbage collector has not touched for a while (cache misses on
 * every line), and every few hundred megabytes the young generation is collected. A pooled array is usually
 * still in the cache. Only arrays the backend allocated itself come back here ({@link CpuStorage#wrap} leaves the
 * caller's array alone), and only when their storage is released: a released storage's tensors already refuse to
 * be read, so no tensor can see the array's next use.
 *
 * <p>Arrays under {@value #MIN_ELEMENTS} elements are not pooled (allocating them is cheap). The pool holds at
 * most {@code -Djmamba.cpuPoolMiB} MiB (default: an eighth of the maximum heap, at most 1 GiB); an array that
 * does not fit is left to the garbage collector. Like the garbage collector's free heap, pooled arrays are not in
 * the backend's {@code memoryStats} (there the CPU reserves what it allocates).
 */
final class CpuArrayPool {
    static final int MIN_ELEMENTS = 4096;
    private static final long CAP_BYTES = capBytes();

    private static final Map<Long, ArrayDeque<Object>> FREE = new HashMap<>();
    private static long pooledBytes;

    private CpuArrayPool() {}

    private static long capBytes() {
        String p = System.getProperty("jmamba.cpuPoolMiB");
        if (p != null) return Math.max(0, Long.parseLong(p.trim())) << 20;
        return Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8);
    }

    private static long key(DType dtype, int size) { return ((long) size << 4) | dtype.ordinal(); }

    /** A pooled array of exactly {@code size} elements of {@code dtype} (contents left as they were), or null. */
    static Object take(DType dtype, int size) {
        if (size < MIN_ELEMENTS) return null;
        synchronized (FREE) {
            ArrayDeque<Object> q = FREE.get(key(dtype, size));
            Object a = q == null ? null : q.pollLast();
            if (a != null) pooledBytes -= (long) size * dtype.bytes();
            return a;
        }
    }

    /** Keeps {@code array} (of a released storage) for a later {@link #take}, if the pool has room. */
    static void give(DType dtype, int size, Object array) {
        if (size < MIN_ELEMENTS) return;
        long bytes = (long) size * dtype.bytes();
        synchronized (FREE) {
            if (pooledBytes + bytes > CAP_BYTES) return;
            FREE.computeIfAbsent(key(dtype, size), k -> new ArrayDeque<>()).addLast(array);
            pooledBytes += bytes;
        }
    }

    /** Bytes held by the pool now. */
    static long pooledBytes() {
        synchronized (FREE) {
            return pooledBytes;
        }
    }

    /** Drops every pooled array (tests; {@code jmamba.cpuPoolMiB=0} turns pooling off). */
    static void clear() {
        synchronized (FREE) {
            FREE.clear();
            pooledBytes = 0;
        }
    }
}
