package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Tensor#random(RandomKind, Tensor, int, double, double, DType, Device, int...)} on the CPU: the numbers of the seed by value; bad seed tables refused. */
class DeviceSeedRandomTest {

    @Test
    void equalsTheSeedByValueForEveryKind() {
        Tensor seeds = Tensor.of(new long[] {7, 123_456_789_012L}, 2);
        for (RandomKind kind : RandomKind.values()) {
            assertArrayEquals(Tensor.random(kind, 123_456_789_012L, -1, 3, DType.F64, Device.CPU, 257).toDoubleArray(),
                    Tensor.random(kind, seeds, 1, -1, 3, DType.F64, Device.CPU, 257).toDoubleArray(), kind.toString());
            assertArrayEquals(Tensor.random(kind, 7, 0, 1, DType.F32, Device.CPU, 3, 5).toFloatArray(),
                    Tensor.random(kind, seeds, 0, 0, 1, DType.F32, Device.CPU, 3, 5).toFloatArray(), kind + " F32");
        }
    }

    @Test
    void refusesBadSeedTables() {
        TensorException e = assertThrows(TensorException.class,
                () -> Tensor.random(RandomKind.UNIFORM, Tensor.of(new int[] {1}, 1), 0, 0, 1, DType.F32, Device.CPU, 4));
        assertTrue(e.getMessage().contains("seeds of dtype I64"), e.getMessage());
        e = assertThrows(TensorException.class,
                () -> Tensor.random(RandomKind.UNIFORM, Tensor.of(new long[] {1, 2}, 2), 2, 0, 1, DType.F32, Device.CPU, 4));
        assertTrue(e.getMessage().contains("[0, 2)"), e.getMessage());
        e = assertThrows(TensorException.class,
                () -> Tensor.random(RandomKind.UNIFORM, Tensor.of(new long[] {1, 2, 3, 4}, 2, 2), 0, 0, 1, DType.F32, Device.CPU, 4));
        assertTrue(e.getMessage().contains("shape (m)"), e.getMessage());
    }

    /** A seed table is written with copyFrom: I64 values past 2^53 must survive it (they did not: the CPU copy went through double). */
    @Test
    void i64CopiesAreExactPastTwoToThe53() {
        long[] big = {3_183_604_143_569_672_983L, Long.MIN_VALUE + 1, Long.MAX_VALUE, -7};
        Tensor dst = Tensor.zeros(DType.I64, Device.CPU, 4);
        dst.copyFrom(Tensor.of(big, 4));
        assertArrayEquals(big, dst.toLongArray(), "contiguous");
        Tensor strided = Tensor.zeros(DType.I64, Device.CPU, 4, 2);
        strided.select(1, 1).copyFrom(Tensor.of(big, 4));
        assertArrayEquals(big, strided.select(1, 1).toLongArray(), "strided destination");
    }
}
