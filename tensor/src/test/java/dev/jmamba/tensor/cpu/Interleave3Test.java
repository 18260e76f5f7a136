package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Interleave3#block} against the plain loop, alpha 1 and not, odd offsets and strides; the same bits. */
class Interleave3Test {
    @Test void threeRowsAreInterleavedExactly() {
        assumeTrue(SimdSupport.ENABLED && Transpose8.USABLE, "needs the Vector API with 256-bit vectors");
        SplittableRandom rnd = new SplittableRandom(3);
        for (int[] c : new int[][] {{0, 8, 0}, {5, 13, 3}, {17, 384, 1}}) {
            for (float alpha : new float[] {1f, -0.7f}) {
                int s = c[0], ld = c[1], d = c[2];
                float[] src = new float[s + 3 * ld + 8];
                for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextDouble(-1, 1);
                float[] dst = new float[d + 24 + 5], want = new float[dst.length];
                Arrays.fill(dst, Float.NaN);
                Arrays.fill(want, Float.NaN);
                for (int p = 0; p < 8; p++) {
                    for (int r = 0; r < 3; r++) want[d + 3 * p + r] = alpha * src[s + r * ld + p];
                }
                Interleave3.block(src, s, ld, alpha, dst, d);
                for (int i = 0; i < dst.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(dst[i]),
                            "case " + Arrays.toString(c) + " alpha " + alpha + " index " + i);
                }
            }
        }
    }
}
