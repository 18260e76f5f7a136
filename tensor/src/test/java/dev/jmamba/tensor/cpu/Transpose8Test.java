package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Transpose8#block} against the plain loop, at offsets and strides that are no multiples of 8; exact copies. */
class Transpose8Test {
    @Test void blocksAreTransposedExactly() {
        assumeTrue(SimdSupport.ENABLED && Transpose8.USABLE, "needs the Vector API with 256-bit vectors");
        SplittableRandom rnd = new SplittableRandom(22);
        for (int[] c : new int[][] {{0, 8, 0, 8}, {3, 13, 5, 11}, {17, 384, 1, 24}, {1, 9, 7, 32}}) {
            int s = c[0], ld = c[1], d = c[2], ldd = c[3];
            float[] src = new float[s + 8 * ld + 8];
            for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextDouble(-1, 1);
            float[] dst = new float[d + 8 * ldd + 8], want = new float[dst.length];
            java.util.Arrays.fill(dst, Float.NaN);
            java.util.Arrays.fill(want, Float.NaN);
            for (int r = 0; r < 8; r++) {
                for (int col = 0; col < 8; col++) want[d + col * ldd + r] = src[s + r * ld + col];
            }
            Transpose8.block(src, s, ld, dst, d, ldd);
            for (int i = 0; i < dst.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(dst[i]), "case " + java.util.Arrays.toString(c) + " index " + i);
            }
        }
    }
}
