package dev.jmamba.tensor.cpu;

import java.util.SplittableRandom;

/** Seeded operands and small helpers shared by the SGEMM tests. */
final class SgemmTestValues {
    private SgemmTestValues() {}

    /** x² in double. */
    static double sq(float x) {
        return (double) x * x;
    }

    /** {@code size} floats uniform in [-1, 1). */
    static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
