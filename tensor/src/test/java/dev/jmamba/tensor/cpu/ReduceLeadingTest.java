package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Sums and means of contiguous float32 tensors over their leading axes (the gradient of an operand broadcast over
 * a batch, {@code sumTo}), which {@link ReduceCpu} reads in place: against float64 loops, and the same bits on 1, 2
 * and 3 threads. Tolerance: the sum runs in double (error ≤ n·2⁻⁵³·Σ|x|, below 1e-12·Σ|x| here) and is rounded to
 * float once (2⁻²⁴·|sum|), so 1e-12·Σ|x| + 6e-8·|sum|.
 */
class ReduceLeadingTest {
    @Test
    void leadingSumsMatchFloat64LoopsOnAnyThreadCount() {
        int before = Parallel.threads();
        try {
            int[][] shapes = {{64, 4, 10, 32}, {7, 3}, {5, 1, 70001}};
            long seed = 3;
            for (int[] shape : shapes) {
                Tensor x = Tensor.randn(seed++, shape);
                double[] v = x.toDoubleArray();
                for (int lead = 1; lead < shape.length; lead++) {
                    int inner = 1;
                    for (int i = 0; i < lead; i++) inner *= shape[i];
                    int outer = v.length / inner;
                    double[] want = new double[outer], mag = new double[outer];
                    for (int i = 0; i < inner; i++) for (int j = 0; j < outer; j++) { want[j] += v[i * outer + j]; mag[j] += Math.abs(v[i * outer + j]); }
                    int[] dims = new int[lead];
                    for (int i = 0; i < lead; i++) dims[i] = i;
                    float[] first = null;
                    for (int threads : new int[] {1, 2, 3}) {
                        Parallel.setThreads(threads);
                        Tensor sum = x.sum(false, dims), mean = x.mean(false, dims);
                        double[] s = sum.toDoubleArray(), m = mean.toDoubleArray();
                        for (int j = 0; j < outer; j++) {
                            assertTrue(Math.abs(s[j] - want[j]) <= 1e-12 * mag[j] + 6e-8 * Math.abs(want[j]) + 1e-30, "sum " + j);
                            double wm = want[j] / inner;
                            assertTrue(Math.abs(m[j] - wm) <= (1e-12 * mag[j]) / inner + 6e-8 * Math.abs(wm) + 1e-30, "mean " + j);
                        }
                        if (first == null) first = sum.toFloatArray();
                        else assertArrayEquals(first, sum.toFloatArray(), threads + " threads");
                        // a strided tensor with the same values sums to the same bits (autograd relies on layout-free results)
                        int[] wide = shape.clone();
                        wide[wide.length - 1] *= 2;
                        Tensor strided = Tensor.zeros(wide).narrow(wide.length - 1, 0, shape[shape.length - 1]);
                        strided.copyFrom(x);
                        assertTrue(!strided.isContiguous());
                        assertArrayEquals(first, strided.sum(false, dims).toFloatArray(), "strided input");
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** The same values in another memory layout sum to the same bits (checkpointed and plain backward passes differ in layout). */
    @Test
    void aStridedTensorSumsToTheBitsOfItsContiguousCopy() {
        Tensor stored = Tensor.randn(11, 6, 40, 33);                 // (6, 40, 33) storage
        Tensor x = stored.permute(1, 0, 2);                          // (40, 6, 33) view, not contiguous
        for (int lead = 1; lead < 3; lead++) {
            int[] dims = new int[lead];
            for (int i = 0; i < lead; i++) dims[i] = i;
            assertArrayEquals(x.contiguous().sum(false, dims).toFloatArray(), x.sum(false, dims).toFloatArray(), "leading " + lead);
            assertArrayEquals(x.contiguous().mean(false, dims).toFloatArray(), x.mean(false, dims).toFloatArray(), "leading " + lead);
        }
    }
}
