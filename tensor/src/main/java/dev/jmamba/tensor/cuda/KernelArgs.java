package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jmamba.tensor.JmambaException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A pre-allocated {@code void **kernelParams} block for one kernel signature, reused for every
 * launch of that kernel: one value slot per parameter plus the array of pointers to the slots.
 * Fill the slots with the setters, then pass it to {@link CudaDriver#launchKernel}; the driver
 * copies the values during the call, so the next launch may overwrite them straight away.
 *
 * <p>Slot sizes are given in bytes at construction (8 for pointers and 64-bit integers, 4 for
 * {@code int}/{@code float}, the struct size for a struct passed by value); every slot is 16-byte
 * aligned. Not thread-safe: one instance per launching thread. Lives as long as its launcher
 * (automatic arena, freed by the GC once unreachable).
 */
public final class KernelArgs {
    private static final long SLOT_ALIGNMENT = 16;

    private final MemorySegment values;
    private final MemorySegment pointers;
    private final long[] offsets;
    private final long[] sizes;

    /** Slots of the given byte sizes, one per kernel parameter, in parameter order. */
    public KernelArgs(long... slotBytes) {
        if (slotBytes.length == 0) throw new JmambaException("KernelArgs needs at least one slot; got none");
        offsets = new long[slotBytes.length];
        sizes = slotBytes.clone();
        long total = 0;
        for (int i = 0; i < slotBytes.length; i++) {
            if (slotBytes[i] <= 0) {
                throw new JmambaException("kernel argument slot " + i + " must be at least 1 byte; got " + slotBytes[i]);
            }
            offsets[i] = total;
            total += (slotBytes[i] + SLOT_ALIGNMENT - 1) / SLOT_ALIGNMENT * SLOT_ALIGNMENT;
        }
        Arena arena = Arena.ofAuto();
        values = arena.allocate(total, SLOT_ALIGNMENT);
        pointers = arena.allocate(ADDRESS, slotBytes.length);
        for (int i = 0; i < slotBytes.length; i++) {
            pointers.setAtIndex(ADDRESS, i, values.asSlice(offsets[i], sizes[i]));
        }
    }

    /** Number of kernel parameters. */
    public int count() {
        return offsets.length;
    }

    /** The {@code void **kernelParams} array to hand to cuLaunchKernel. */
    public MemorySegment pointers() {
        return pointers;
    }

    /** The value slot of parameter {@code index} (for structs passed by value). */
    public MemorySegment slot(int index) {
        return values.asSlice(offsets[index], sizes[index]);
    }

    /** Sets a pointer (device pointer) or 64-bit integer parameter. */
    public KernelArgs setLong(int index, long value) {
        check(index, 8);
        values.set(JAVA_LONG, offsets[index], value);
        return this;
    }

    /** Sets a 32-bit integer parameter. */
    public KernelArgs setInt(int index, int value) {
        check(index, 4);
        values.set(JAVA_INT, offsets[index], value);
        return this;
    }

    /** Sets a float parameter. */
    public KernelArgs setFloat(int index, float value) {
        check(index, 4);
        values.set(JAVA_FLOAT, offsets[index], value);
        return this;
    }

    private void check(int index, long bytes) {
        if (index < 0 || index >= offsets.length) {
            throw new IndexOutOfBoundsException("kernel argument index " + index + " is outside 0.." + (offsets.length - 1));
        }
        if (sizes[index] != bytes) {
            throw new JmambaException("kernel argument " + index + " is a " + sizes[index]
                    + "-byte slot; a " + bytes + "-byte value does not fit it");
        }
    }
}
