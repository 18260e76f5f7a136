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
}
