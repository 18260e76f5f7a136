package dev.jmamba.nn;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranges, moments and reproducibility of the initialisers. */
class InitTest {
    private static double[] moments(Tensor t) {
        double[] x = t.toDoubleArray();
        double s = 0, s2 = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double v : x) { s += v; s2 += v * v; min = Math.min(min, v); max = Math.max(max, v); }
        double mean = s / x.length;
        return new double[] {mean, Math.sqrt(s2 / x.length - mean * mean), min, max};
    }

    @Test void fans() {
        assertEquals(12, Init.fanIn(5, 3, 2, 2));
        assertEquals(20, Init.fanOut(5, 3, 2, 2));
        assertEquals(7, Init.fanIn(7));
    }

    @Test void kaimingUniformWithSqrt5IsTorchDefault() {
        Tensor w = Init.kaimingUniform(1, Math.sqrt(5), 64, 16, 3);   // fanIn 48
        double bound = 1 / Math.sqrt(48);
        double[] m = moments(w);
        assertTrue(m[2] >= -bound && m[3] < bound, "range");
        // 3072 uniforms: std of U(±b) is b/√3; sample std error ≈ 1.3 %, allow 5 %.
        assertEquals(bound / Math.sqrt(3), m[1], 0.05 * bound / Math.sqrt(3));
        assertArrayEquals(w.toFloatArray(), Init.torchDefaultWeight(1, 64, 16, 3).toFloatArray());
    }

    @Test void xavierUniformRange() {
        double[] m = moments(Init.xavierUniform(2, 1, 30, 50));
        double bound = Math.sqrt(6.0 / 80);
        assertTrue(m[2] >= -bound && m[3] < bound && m[3] > 0.9 * bound);
    }

    @Test void truncNormalStaysInBoundsAndRedraws() {
        // bounds at ±1σ force many redraws (about 32 % of the first draw is outside)
        Tensor t = Init.truncNormalBetween(3, 0, 1, -1, 1, 20000);
        double[] m = moments(t);
        assertTrue(m[2] >= -1 && m[3] <= 1, "within [-1, 1]: " + m[2] + ", " + m[3]);
        // std of N(0,1) truncated to ±1 is 0.5380; 20,000 samples give ~0.3 % error, allow 2 %.
        assertEquals(0.5380, m[1], 0.011);
        assertArrayEquals(t.toFloatArray(), Init.truncNormalBetween(3, 0, 1, -1, 1, 20000).toFloatArray(), "seeded");
        // timm default: std 0.02 with ±2 absolute bounds is a plain normal
        assertEquals(0.02, moments(Init.truncNormal(4, 0.02, 20000))[1], 0.02 * 0.03);
    }

    @Test void lecunNormalStd() {
        // std sqrt(1/fanIn)/0.8796 with fanIn 3·4·4 = 48; ±2 absolute bounds cut nothing here.
        double expected = Math.sqrt(1.0 / 48) / 0.87962566103423978;
        assertEquals(expected, moments(Init.lecunNormal(5, 64, 3, 4, 4))[1], 0.03 * expected);
    }
}
