package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * VecKernels and VecKernelsSimd against plain loops on seeded random data, for lengths around the
 * vector width and the sum block (tails), with offsets. add and mul are exact (one rounding per
 * element either way); sum is compared with a double loop to 1e-6 relative to sum |a_i| (the SIMD
 * version rounds each float block of <= 1024 terms: about 1024/(2*16) = 32 terms per lane, error
 * <= 32 u sum|a| ~ 2e-6 worst case, typically far less; the scalar version sums in double).
 */
class VecKernelsTest {
    private static final int[] LENGTHS = {0, 1, 7, 8, 15, 16, 17, 31, 33, 100, 1023, 1024, 1025, 4097, 1 << 16};

    @Test
    void addAndMulMatchPlainLoops() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n : LENGTHS) {
            float[] a = random(rnd, n + 3), b = random(rnd, n + 5);
            float[] sum = new float[n], prod = new float[n];
            for (int i = 0; i < n; i++) { sum[i] = a[3 + i] + b[5 + i]; prod[i] = a[3 + i] * b[5 + i]; }
            float[] out = new float[n + 2];
            VecKernels.add(a, 3, b, 5, out, 2, n);
            for (int i = 0; i < n; i++) assertEquals(sum[i], out[2 + i], "scalar add n=" + n + " i=" + i);
            VecKernels.mul(a, 3, b, 5, out, 2, n);
            for (int i = 0; i < n; i++) assertEquals(prod[i], out[2 + i], "scalar mul n=" + n + " i=" + i);
            if (SimdSupport.ENABLED) {
                VecKernelsSimd.add(a, 3, b, 5, out, 2, n);
                for (int i = 0; i < n; i++) assertEquals(sum[i], out[2 + i], "simd add n=" + n + " i=" + i);
                VecKernelsSimd.mul(a, 3, b, 5, out, 2, n);
                for (int i = 0; i < n; i++) assertEquals(prod[i], out[2 + i], "simd mul n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void sumMatchesDoubleLoop() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int n : LENGTHS) {
            float[] a = random(rnd, n + 1);
            double want = 0, abs = 0;
            for (int i = 0; i < n; i++) { want += a[1 + i]; abs += Math.abs(a[1 + i]); }
            double tol = 1e-6 * abs + 1e-30;
            assertEquals(want, VecKernels.sum(a, 1, n), tol, "scalar sum n=" + n);
            if (SimdSupport.ENABLED) assertEquals(want, VecKernelsSimd.sum(a, 1, n), tol, "simd sum n=" + n);
        }
    }

    @Test
    void simdPathIsLoadedInTests() {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        assertEquals(3.0, VecKernelsSimd.sum(new float[] {1, 2}, 0, 2));
    }

    @Test
    void windowsOutsideTheArrayAreRejected() {
        float[] x = new float[4];
        var e = assertThrows(IllegalArgumentException.class, () -> VecKernels.add(x, 2, x, 0, x, 0, 3));
        assertTrue(e.getMessage().contains("add: a window [2, 2 + 3)") && e.getMessage().contains("length 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VecKernels.sum(x, 0, -1));
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
