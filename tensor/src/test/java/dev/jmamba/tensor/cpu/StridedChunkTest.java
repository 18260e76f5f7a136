package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * Element-wise kernels on rows longer than {@link Strided#CHUNK} (a contiguous tensor is a single row), which
 * {@link Strided#forEachRow} cuts into pieces run in parallel: every element is computed, against plain float64
 * loops, for one long row, several long rows of a non-mergeable layout (a narrowed view) and a broadcast operand;
 * and the bits do not depend on the number of threads (the pieces start at fixed multiples of CHUNK).
 */
class StridedChunkTest {
    private static final int LONG = 3 * Strided.CHUNK + 1001;

    @Test
    void longRowsAreComputedCompletelyAndTheSameOnAnyThreadCount() {
        int before = Parallel.threads();
        try {
            float[][] firstRun = null;
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                float[][] run = runCases();
                if (firstRun == null) firstRun = run;
                for (int c = 0; c < run.length; c++) assertArrayEquals(firstRun[c], run[c], "case " + c + " with " + threads + " threads");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** exp of one long row; a + b on (3, LONG) views of a (3, LONG + 5) buffer; a (3, LONG) + a broadcast (LONG) row. */
    private static float[][] runCases() {
        Tensor a = Tensor.randn(1, LONG), wide = Tensor.randn(2, 3, LONG + 5), row = Tensor.randn(3, 3, LONG);   // randn(seed, shape…)
        Tensor view = wide.narrow(1, 2, LONG);                      // rows LONG + 5 apart: they cannot merge
        Tensor full = Tensor.randn(4, 3, LONG);
        Tensor exp = a.unary(UnaryOp.EXP, 0, 0);
        Tensor sum = view.add(full);
        Tensor bcast = full.add(row.narrow(0, 1, 1));
        double[] av = a.toDoubleArray(), ev = exp.toDoubleArray();
        for (int i = 0; i < LONG; i++) assertEquals(Math.exp(av[i]), ev[i], 2e-6 * Math.exp(av[i]), "exp at " + i);
        double[] vv = view.contiguous().toDoubleArray(), fv = full.toDoubleArray(), sv = sum.toDoubleArray(), bv = bcast.toDoubleArray();
        double[] rv = row.narrow(0, 1, 1).contiguous().toDoubleArray();
        for (int i = 0; i < 3 * LONG; i++) {
            assertEquals((float) (vv[i] + fv[i]), sv[i], 0, "view + full at " + i);              // one rounding: exact
            assertEquals((float) (fv[i] + rv[i % LONG]), bv[i], 0, "full + broadcast row at " + i);
        }
        return new float[][] {exp.toFloatArray(), sum.toFloatArray(), bcast.toFloatArray()};
    }
}
