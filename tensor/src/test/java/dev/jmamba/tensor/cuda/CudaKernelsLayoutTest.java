package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The host side of the elementwise launcher: names, struct layout, index math, grid sizes. */
class CudaKernelsLayoutTest {

    @Test
    void kernelNamesAreUniqueAndComplete() {
        List<String> names = CudaKernels.kernelNames();
        assertEquals(4 * 2 + 7 + 2, names.size());
        assertEquals(names.size(), new HashSet<>(names).size());
        assertTrue(names.containsAll(List.of("add_f32", "div_strided_f32", "unary_gelu_f32", "fill_f32", "sum_partial_f32")));
    }

    @Test
    void shapeStructLayout() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(CudaKernels.SHAPE_BYTES);
            slot.fill((byte) 0x55);
            long n = CudaKernels.packShape(slot, new long[] {2, 3, 4}, new long[] {12, 4, 1}, new long[] {0, 1, 0});
            assertEquals(24, n);
            assertEquals(200, CudaKernels.SHAPE_BYTES);
            assertEquals(3, slot.get(JAVA_INT, 0));
            assertEquals(0, slot.get(JAVA_INT, 4));
            assertEquals(3, slot.get(JAVA_LONG, 8 + 8));           // shape[1]
            assertEquals(12, slot.get(JAVA_LONG, 8 + 64));         // stride_a[0]
            assertEquals(1, slot.get(JAVA_LONG, 8 + 128 + 8));     // stride_b[1]
            assertEquals(0, slot.get(JAVA_LONG, 8 + 3 * 8));       // unused dims are zero
        }
    }

    @Test
    void shapeValidation() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(CudaKernels.SHAPE_BYTES);
            long[] nine = new long[9];
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                    () -> CudaKernels.packShape(slot, nine, nine, nine));
            assertTrue(tooMany.getMessage().contains("at most 8"), tooMany.getMessage());
            IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                    () -> CudaKernels.packShape(slot, new long[] {2, 2}, new long[] {2}, new long[] {2, 1}));
            assertTrue(mismatch.getMessage().contains("2 dimensions"), mismatch.getMessage());
        }
    }

    /** The .cu's offset math (mirrored in offsetOf) against nested loops over a broadcast case. */
    @Test
    void offsetMathMatchesNestedLoops() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 50; trial++) {
            int ndim = 1 + random.nextInt(4);
            long[] shape = new long[ndim];
            long[] strides = new long[ndim];
            for (int d = 0; d < ndim; d++) shape[d] = 1 + random.nextInt(4);
            long stride = 1;
            for (int d = ndim - 1; d >= 0; d--) {
                boolean broadcast = random.nextInt(3) == 0;
                strides[d] = broadcast ? 0 : stride;
                if (!broadcast) stride *= shape[d];
            }
            long total = 1;
            for (long s : shape) total *= s;
            for (long i = 0; i < total; i++) {
                long expected = 0;
                long rest = i;
                long[] index = new long[ndim];
                for (int d = ndim - 1; d >= 0; d--) {
                    index[d] = rest % shape[d];
                    rest /= shape[d];
                }
                for (int d = 0; d < ndim; d++) expected += index[d] * strides[d];
                assertEquals(expected, CudaKernels.offsetOf(i, shape, strides));
            }
        }
    }

    @Test
    void gridSizes() {
        assertEquals(1, CudaKernels.blocksFor(0, 132));
        assertEquals(1, CudaKernels.blocksFor(256, 132));
        assertEquals(2, CudaKernels.blocksFor(257, 132));
        assertEquals(8 * 132, CudaKernels.blocksFor(1L << 26, 132));
    }
}
