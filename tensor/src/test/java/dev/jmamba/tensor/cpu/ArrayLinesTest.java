package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ArrayLines}: addresses of float arrays, and the offset of their first 64-byte line. */
class ArrayLinesTest {
    /** The tests run with native access (as the launcher does), so addresses are read. */
    @Test void addressesAreReadWithNativeAccess() {
        assertTrue(ArrayLines.available(), "memmove through a critical downcall");
    }

    /** Arrays start on 8-byte boundaries: their floats at one of 8 phases of a line; the answer points at the next line. */
    @Test void theOffsetPutsThatElementOnALine() {
        List<float[]> keep = new ArrayList<>();
        Set<Long> phases = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            float[] a = new float[1 + 3 * i];
            keep.add(a);
            long address = ArrayLines.address(a);
            int floats = ArrayLines.floatsToLine(a);
            assertTrue(address != 0 && address % Float.BYTES == 0, "address " + address);
            assertTrue(floats >= 0 && floats < 16, "offset " + floats);
            // the array may move between the two reads (a collection); then ask again
            if (ArrayLines.address(a) != address) continue;
            assertEquals(0, (address + (long) floats * Float.BYTES) % 64, "address " + address + ", offset " + floats);
            phases.add(address % 64);
        }
        assertTrue(phases.size() > 1, "64 arrays of different lengths, all at one phase of a line: " + phases + " " + keep.size());
    }

    /** The answer follows the address (a heap segment has no address of its own; this one is read from native code). */
    @Test void theAddressIsTheElementsNotTheSegmentOffset() {
        float[] a = new float[1000];
        assertTrue(ArrayLines.address(a) > 4096, "a real address, not an offset into the array");
    }
}
