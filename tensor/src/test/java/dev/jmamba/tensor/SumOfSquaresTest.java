package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Updates#sumOfSquares} on the CPU against a plain double loop over the values read back,
 * for F32 and F64 tensors at storage offsets, the empty tensor, NaN, and bad operands. Tolerance 0
 * on the CPU: the backend squares and sums in double in index order, as the reference does.
 */
class SumOfSquaresTest {

    static double reference(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return s;
    }

    @Test
    void equalsAPlainDoubleLoopPerTensorAndLeavesTheRestOfOut() {
        SplittableRandom random = new SplittableRandom(7);
        double[] v = new double[1003 + 5];
        for (int i = 0; i < v.length; i++) v[i] = random.nextDouble(-3, 3);
        Tensor f32 = Tensor.of(v, v.length).to(DType.F32).narrow(0, 5, 1003);    // offset 5
        Tensor f64 = Tensor.of(v, v.length).narrow(0, 2, 1000).reshape(10, 100);
        Tensor empty = Tensor.zeros(DType.F32, Device.CPU, 0);
        Tensor nan = Tensor.of(new double[] {Double.NaN, 1}, 2);
        Tensor out = Tensor.full(-1, DType.F64, Device.CPU, 5);
        Updates.sumOfSquares(List.of(f32, f64, empty, nan), out);
        double[] got = out.toDoubleArray();
        assertEquals(reference(f32.toDoubleArray()), got[0], 0.0, "F32");
        assertEquals(reference(f64.toDoubleArray()), got[1], 0.0, "F64");
        assertEquals(0, got[2], 0.0, "empty tensor");
        assertTrue(Double.isNaN(got[3]), "NaN propagates");
        assertEquals(-1, got[4], 0.0, "out past the list untouched");
    }

    @Test
    void rejectsBadOperands() {
        Tensor out = Tensor.zeros(DType.F64, Device.CPU, 2);
        TensorException e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(List.of(Tensor.rand(1, 3, 4).transpose(0, 1)), out));
        assertTrue(e.getMessage().contains("contiguous xs[0]"), e.getMessage());
        e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(List.of(Tensor.rand(1, 3)), Tensor.zeros(DType.F32, Device.CPU, 2)));
        assertTrue(e.getMessage().contains("out of dtype F64"), e.getMessage());
        e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(List.of(Tensor.rand(1, 3), Tensor.rand(2, 3), Tensor.rand(3, 3)), out));
        assertTrue(e.getMessage().contains("at least 3"), e.getMessage());
        e = assertThrows(TensorException.class, () -> Updates.sumOfSquares(List.of(Tensor.rand(1, 3), Tensor.of(new int[] {1}, 1)), out));
        assertTrue(e.getMessage().contains("xs[1] of dtype F32 or F64"), e.getMessage());
    }
}
