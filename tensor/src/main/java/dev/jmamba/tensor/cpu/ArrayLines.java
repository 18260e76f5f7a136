package dev.jmamba.tensor.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Where a float[]'s elements sit relative to 64-byte cache lines. Java places arrays on 8-byte boundaries only, so the
 * SGEMM's packed B panels (rows of 64 or 128 bytes) straddle two lines at 7 of 8 phases; on the Intel device hosts the
 * 8x32 tile streaming its B panel from L2 ran 3-23% faster with the rows on lines (GEMM-NOTES.md, issue 22). Java has
 * no API for an array's address; a critical downcall ({@link Linker.Option#critical(boolean)}, which hands native code
 * a heap segment's address as it is) of {@code memmove(p, p, 0)}, which returns p, reads it. The garbage collector may
 * move the array afterwards: callers ask at each use, and a stale answer costs speed, never correctness. Without
 * native access (the launcher grants it) or a C library's memmove every answer is 0.
 */
final class ArrayLines {
    /** Floats in a 64-byte line: {@link #floatsToLine} is below this, so a buffer this much longer has room to shift. */
    static final int LINE_FLOATS = 64 / Float.BYTES;
    private static final MethodHandle MEMMOVE = find();

    private ArrayLines() {}

    /** Whether addresses can be read here. */
    static boolean available() {
        return MEMMOVE != null;
    }

    /** The address of {@code array[0]} now, or 0 where {@link #available()} is false. */
    static long address(float[] array) {
        if (MEMMOVE == null) return 0;
        try {
            MemorySegment heap = MemorySegment.ofArray(array);
            return ((MemorySegment) MEMMOVE.invokeExact(heap, heap, 0L)).address();
        } catch (Throwable e) {
            return 0;
        }
    }

    /** How many floats from {@code array[0]} the first 64-byte line starts (below {@link #LINE_FLOATS}; 0 where addresses are unknown). */
    static int floatsToLine(float[] array) {
        long address = address(array);
        return address == 0 ? 0 : (int) ((64 - (address & 63)) & 63) / Float.BYTES;
    }

    private static MethodHandle find() {
        try {
            if (!ArrayLines.class.getModule().isNativeAccessEnabled()) return null;
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memmove")
                    .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG), Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
