package dev.jmamba.tensor.testing;

import dev.jmamba.tensor.Tensor;
import java.util.Arrays;

/** Assertions on tensors that report a shape mismatch first, then the worst element (index, expected, actual). */
public final class TensorAssert {
    private TensorAssert() {}

    /** |expected - actual| <= atol + rtol * |expected| for every element. */
    public static void assertClose(double[] expected, int[] expectedShape, Tensor actual, double atol, double rtol, String what) {
        if (!Arrays.equals(expectedShape, actual.shape())) {
            throw new AssertionError(what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expectedShape));
        }
        assertClose(expected, actual.toDoubleArray(), atol, rtol, what);
    }

    public static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertClose(expected.toDoubleArray(), expected.shape(), actual, atol, rtol, what);
    }

    public static void assertClose(double[] expected, double[] actual, double atol, double rtol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " elements, expected " + expected.length);
        }
        double maxAbs = 0, maxRel = 0;
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e) && Double.isNaN(a)) continue;
            if (e == a) continue;
            double abs = Math.abs(e - a);
            if (Double.isNaN(abs)) abs = Double.POSITIVE_INFINITY;
            maxAbs = Math.max(maxAbs, abs);
            maxRel = Math.max(maxRel, abs / Math.max(Math.abs(e), 1e-300));
            double excess = abs - (atol + rtol * Math.abs(e));
            if (excess > worstExcess || (excess > 0 && worst < 0)) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0) {
            throw new AssertionError(String.format("%s: element %d is %s, expected %s (max abs err %.3g, max rel err %.3g, atol %.1g, rtol %.1g)",
                    what, worst, actual[worst], expected[worst], maxAbs, maxRel, atol, rtol));
        }
    }
}
