package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The CPU {@link BatchStaging}: arrays become tensors of the declared shapes; bad arrays are one clear exception. */
class BatchStagingTest {

    @Test
    void cpuRingWrapsTheArraysInTheDeclaredShapes() {
        try (BatchStaging ring = BatchStaging.create(Device.CPU, 2, new DType[] {DType.F32, DType.I32, DType.I64},
                new int[][] {{2, 3}, {2}, {2, 1}})) {
            float[] x = {1, 2, 3, 4, 5, 6};
            Tensor[] t = ring.upload(x, new int[] {7, 8}, new long[] {9, 10});
            assertArrayEquals(new int[] {2, 3}, t[0].shape());
            assertArrayEquals(x, t[0].toFloatArray());
            assertEquals(DType.I32, t[1].dtype());
            assertArrayEquals(new int[] {7, 8}, t[1].toIntArray());
            assertArrayEquals(new int[] {2, 1}, t[2].shape());
            assertArrayEquals(new long[] {9, 10}, t[2].toLongArray());
            ring.consumed();
        }
    }

    @Test
    void wrongArraysAreRejectedNamingTheInput() {
        try (BatchStaging ring = BatchStaging.create(Device.CPU, 1, new DType[] {DType.F32, DType.I32}, new int[][] {{4}, {2}})) {
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> ring.upload(new float[4]));
            assertTrue(count.getMessage().contains("expected 2 arrays"), count.getMessage());
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> ring.upload(new float[3], new int[2]));
            assertTrue(size.getMessage().contains("input 0 must hold 4 values"), size.getMessage());
            IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> ring.upload(new float[4], new long[2]));
            assertTrue(type.getMessage().contains("input 1 must be a I32 array"), type.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> BatchStaging.create(Device.CPU, 0, new DType[] {DType.F32}, new int[][] {{1}}));
        assertThrows(IllegalArgumentException.class, () -> BatchStaging.create(Device.CPU, 1, new DType[] {DType.F64}, new int[][] {{1}}));
    }
}
