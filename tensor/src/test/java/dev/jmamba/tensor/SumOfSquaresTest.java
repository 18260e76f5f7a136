package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Updates#sumOfSquares} on the CPU against a plain double loop over the values read back,
 * for F32 and F64, at a storage offset, plus the empty tensor and bad operands. Tolerance 0 on the
 * CPU: the backend squares and sums in double in index order, as the reference does.
 */
class SumOfSquaresTest {

    private static double reference(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return s;
    }

    @Test
    void equalsAPlainDoubleLoopAndWritesOnlyItsSlot() {
        SplittableRandom random = new SplittableRandom(7);
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            double[] v = new double[1003 + 5];
            for (int i = 0; i < v.length; i++) v[i] = random.nextDouble(-3, 3);
            Tensor x = Tensor.of(v, v.length).to(dtype).narrow(0, 5, 1003);       // offset 5
            Tensor out = Tensor.full(-1, DType.F64, Device.CPU, 3);
            Updates.sumOfSquares(x, out, 1);
            double[] got = out.toDoubleArray();
            assertEquals(reference(x.toDoubleArray()), got[1], 0.0, dtype.toString());
            assertEquals(-1, got[0], 0.0, "slot 0 untouched");
            assertEquals(-1, got[2], 0.0, "slot 2 untouched");
        }
        Tensor out = Tensor.full(-1, DType.F64, Device.CPU, 1);
        Updates.sumOfSquares(Tensor.zeros(DType.F32, Device.CPU, 0), out, 0);
        assertEquals(0, out.toDoubleArray()[0], 0.0, "empty tensor");
        Updates.sumOfSquares(Tensor.of(new double[] {Double.NaN, 1}, 2), out, 0);
        assertTrue(Double.isNaN(out.toDoubleArray()[0]), "NaN propagates");
    }

    @Test
    void rejectsBadOperands() {
        Tensor out = Tensor.zeros(DType.F64, Device.CPU, 2);
        TensorException e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(Tensor.rand(1, 3, 4).transpose(0, 1), out, 0));
        assertTrue(e.getMessage().contains("contiguous x"), e.getMessage());
        e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(Tensor.rand(1, 3), Tensor.zeros(DType.F32, Device.CPU, 2), 0));
        assertTrue(e.getMessage().contains("out of dtype F64"), e.getMessage());
        e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(Tensor.rand(1, 3), out, 2));
        assertTrue(e.getMessage().contains("[0, 2)"), e.getMessage());
        e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(Tensor.of(new int[] {1}, 1), out, 0));
        assertTrue(e.getMessage().contains("F32 or F64"), e.getMessage());
    }
}
