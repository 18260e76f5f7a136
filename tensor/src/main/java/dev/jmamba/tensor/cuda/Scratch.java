package dev.jmamba.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A small per-thread native buffer for the output parameters of driver calls
 * ({@code CUdeviceptr *dptr}, {@code size_t *free}, …), so that no call needs its own Arena.
 * A caller reads what it needs before making the next call on the same thread.
 */
final class Scratch {
    /** Bytes per thread: room for a few 8-byte outputs. */
    static final long BYTES = 64;

    private static final ThreadLocal<MemorySegment> BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BYTES, 16));

    private Scratch() {}

    /** This thread's scratch buffer. */
    static MemorySegment get() {
        return BUFFER.get();
    }
}
