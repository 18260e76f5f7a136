package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The index math every strided kernel relies on, checked on the CPU: for random shapes, views
 * (permuted, sliced, broadcast, flipped) and operand counts, the merged layout maps each linear
 * output index to the same element offset as the plain row-major walk over the original shape.
 */
class StridedLayoutTest {
    /** Offset of linear index i in (shape, strides, offset): the reference, no merging. */
    private static long reference(long i, int[] shape, int[] strides, int offset) {
        long off = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return off;
    }

    @Test
    void mergedLayoutsAddressTheSameElements() {
        SplittableRandom rng = new SplittableRandom(6);
        for (int trial = 0; trial < 300; trial++) {
            int rank = rng.nextInt(0, 7);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = rng.nextInt(1, 5);
            int operands = rng.nextInt(1, 4);
            int[][] strides = new int[operands][];
            int[] offsets = new int[operands];
            for (int k = 0; k < operands; k++) {
                Tensor base = Tensor.zeros(shape);
                Tensor view = switch (rng.nextInt(4)) {
                    case 0 -> base;
                    case 1 -> rank >= 2 ? Tensor.zeros(transposedShape(shape)).transpose(rank - 2, rank - 1) : base;
                    case 2 -> rank >= 1 ? Tensor.zeros(1).reshape(ones(rank)).expand(shape) : base;
                    default -> rank >= 1 ? Tensor.zeros(shape).flip(0).slice(0, 0, shape[0], 1) : base;
                };
                strides[k] = view.strides();
                offsets[k] = view.offset() + rng.nextInt(0, 3);
            }
            StridedLayout p = StridedLayout.plan("test", shape, strides, offsets);
            int n = Shapes.numel(shape);
            assertEquals(n, p.numel);
            int product = 1;
            for (int s : p.shape) product *= s;
            assertEquals(Math.max(n, rank == 0 ? 1 : n), product, "merged sizes keep the element count");
            for (int k = 0; k < operands; k++) {
                for (int i = 0; i < n; i++) {
                    assertEquals(reference(i, shape, strides[k], offsets[k]), p.offsetOf(k, i),
                            "trial " + trial + " operand " + k + " index " + i + " shape " + Shapes.str(shape));
                }
            }
        }
    }

    private static int[] transposedShape(int[] s) {
        int[] t = s.clone();
        int r = s.length;
        t[r - 2] = s[r - 1];
        t[r - 1] = s[r - 2];
        return t;
    }

    private static int[] ones(int rank) {
        int[] o = new int[rank];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    @Test
    void contiguousOperandsCollapseToOneUnitStrideDim() {
        int[] shape = {2, 3, 4, 5};
        Tensor a = Tensor.zeros(shape);
        StridedLayout p = StridedLayout.plan("test", shape, new int[][] {a.strides(), a.strides()}, new int[] {0, 7});
        assertArrayEquals(new int[] {120}, p.shape);
        assertTrue(p.contiguous(0) && p.contiguous(1));
        Tensor bcast = Tensor.zeros(5).expand(shape);
        StridedLayout q = StridedLayout.plan("test", shape, new int[][] {a.strides(), bcast.strides()}, new int[] {0, 0});
        assertArrayEquals(new int[] {24, 5}, q.shape, "a broadcast operand keeps the dims it repeats over");
        assertTrue(!q.contiguous(1));
    }

    @Test
    void packsTheStructsTheKernelsRead() {
        int[] shape = {3, 1, 4};
        StridedLayout p = StridedLayout.plan("test", shape, new int[][] {{0, 0, 1}}, new int[] {5});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(StridedLayout.SHAPE_BYTES), t = arena.allocate(StridedLayout.STRIDES_BYTES);
            p.packShape(s);
            p.packStrides(0, t);
            assertEquals(2, s.get(JAVA_INT, 0), "ndim after dropping the size-1 dim");
            assertEquals(3, s.get(JAVA_INT, 4));
            assertEquals(4, s.get(JAVA_INT, 8));
            assertEquals(5, t.get(JAVA_LONG, 0), "offset first");
            assertEquals(0, t.get(JAVA_LONG, 8), "broadcast dim");
            assertEquals(1, t.get(JAVA_LONG, 16));
            assertEquals(0, t.get(JAVA_LONG, 24), "unused dims are zero");
        }
    }

    @Test
    void tooManyUnmergeableDimsAreRefusedByName() {
        int[] shape = {2, 2, 2, 2, 2, 2, 2, 2, 2};
        int[] strides = {1000, 300, 90, 27, 9, 50, 7, 3, 1};  // nothing merges
        var e = assertThrows(TensorException.Shape.class, () -> StridedLayout.plan("add", shape, new int[][] {strides}, new int[] {0}));
        assertTrue(e.getMessage().startsWith("add:") && e.getMessage().contains("at most 8"), e.getMessage());
    }
}
