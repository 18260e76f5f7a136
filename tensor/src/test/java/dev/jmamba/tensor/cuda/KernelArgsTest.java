package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The kernelParams block: each pointer points at its slot and the slot holds the value set. */
class KernelArgsTest {

    @Test
    void pointersPointAtTheValues() {
        KernelArgs args = new KernelArgs(8, 4, 4, 200, 8);
        args.setLong(0, 0x1234_5678_9abcL).setFloat(1, 2.5f).setInt(2, -7).setLong(4, 42);
        args.slot(3).set(JAVA_INT, 0, 3);
        assertEquals(5, args.count());
        MemorySegment pointers = args.pointers();
        long[] expected = {0x1234_5678_9abcL};
        assertEquals(expected[0], slot(pointers, 0, 8).get(JAVA_LONG, 0));
        assertEquals(2.5f, slot(pointers, 1, 4).get(JAVA_FLOAT, 0));
        assertEquals(-7, slot(pointers, 2, 4).get(JAVA_INT, 0));
        assertEquals(3, slot(pointers, 3, 200).get(JAVA_INT, 0));
        assertEquals(42, slot(pointers, 4, 8).get(JAVA_LONG, 0));
        for (int i = 0; i < 5; i++) assertEquals(0, pointers.getAtIndex(ADDRESS, i).address() % 16, "slot " + i + " alignment");
        // slots do not overlap
        for (int i = 1; i < 5; i++) {
            long gap = pointers.getAtIndex(ADDRESS, i).address() - pointers.getAtIndex(ADDRESS, i - 1).address();
            long previous = new long[] {8, 4, 4, 200, 8}[i - 1];
            assertEquals(true, gap >= previous, "slot " + i + " overlaps slot " + (i - 1));
        }
    }

    private static MemorySegment slot(MemorySegment pointers, int index, long bytes) {
        return pointers.getAtIndex(ADDRESS, index).reinterpret(bytes);
    }

    @Test
    void wrongSizesAndIndicesAreRejected() {
        KernelArgs args = new KernelArgs(8, 4);
        assertThrows(IllegalArgumentException.class, () -> args.setInt(0, 1));
        assertThrows(IllegalArgumentException.class, () -> args.setLong(1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> args.setLong(2, 1));
        assertThrows(IllegalArgumentException.class, KernelArgs::new);
        assertThrows(IllegalArgumentException.class, () -> new KernelArgs(8, 0));
    }
}
