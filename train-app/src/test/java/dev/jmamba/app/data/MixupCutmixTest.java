package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixupCutmixTest {
    private static final int B = 6, C = 2, H = 8, W = 10, K = 5;

    private static float[] images(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[B * C * H * W];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    @Test
    void labelSmoothingValues() {
        float[] t = MixupCutmix.smoothedOneHot(new int[] {2, 0}, K, 0.1);
        // off = 0.1 / 5 = 0.02, on = 1 - 0.1 + 0.02 = 0.92
        assertArrayEquals(new float[] {0.02f, 0.02f, 0.92f, 0.02f, 0.02f, 0.92f, 0.02f, 0.02f, 0.02f, 0.02f}, t, 1e-7f);
    }

    @Test
    void mixupBlendsReversedPairsAndTargetsSumToOne() {
        MixupCutmix mix = new MixupCutmix(0.8, 0, 1, 0.5, 0.1, K);
        int[] labels = {0, 1, 2, 3, 4, 0};
        float[] x = images(1);
        float[] original = x.clone();
        MixupCutmix.Result r = mix.apply(x, labels, C, H, W, new SplittableRandom(3));
        assertFalse(r.cutmix());
        double lam = r.lambda();
        assertTrue(lam > 0 && lam < 1);
        int len = C * H * W;
        for (int i = 0; i < B; i++) {
            int j = B - 1 - i;
            for (int k = 0; k < len; k++) {
                assertEquals(lam * original[i * len + k] + (1 - lam) * original[j * len + k], x[i * len + k], 1e-5);
            }
        }
        checkTargets(r.softTargets(), labels, lam, 0.1);
    }

    @Test
    void cutmixSwapsOneBoxAndLambdaIsTheUncoveredFraction() {
        MixupCutmix mix = new MixupCutmix(0, 1.0, 1, 0.5, 0.1, K);
        int[] labels = {4, 3, 3, 1, 0, 2};
        for (long seed = 0; seed < 20; seed++) {
            float[] x = images(seed);
            float[] original = x.clone();
            MixupCutmix.Result r = mix.apply(x, labels, C, H, W, new SplittableRandom(seed));
            assertTrue(r.cutmix());
            int len = C * H * W;
            int fromPartner = 0;
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    int k = y * W + xx;
                    boolean swapped = x[k] == original[(B - 1) * len + k];
                    boolean kept = x[k] == original[k];
                    assertTrue(swapped ^ kept, "pixel is either its own or its partner's");
                    if (swapped) fromPartner++;
                    for (int i = 0; i < B; i++) {
                        for (int c = 0; c < C; c++) {
                            int at = c * H * W + k;
                            float expected = swapped ? original[(B - 1 - i) * len + at] : original[i * len + at];
                            assertEquals(expected, x[i * len + at]);
                        }
                    }
                }
            }
            assertEquals(1 - fromPartner / (double) (H * W), r.lambda(), 1e-12);
            checkTargets(r.softTargets(), labels, r.lambda(), 0.1);
        }
    }

    @Test
    void bothOnSwitchesAboutHalfTheTime() {
        MixupCutmix mix = MixupCutmix.recipe(K);
        int cutmix = 0;
        int n = 400;
        for (int s = 0; s < n; s++) {
            if (mix.apply(images(s), new int[] {0, 1, 2, 3, 4, 0}, C, H, W, new SplittableRandom(s)).cutmix()) cutmix++;
        }
        // binomial(400, 0.5): std 10, so 150..250 is a 5-sigma band
        assertTrue(cutmix > 150 && cutmix < 250, "cutmix chosen " + cutmix + " of " + n);
    }

    @Test
    void probZeroLeavesImagesAndGivesSmoothedTargets() {
        MixupCutmix mix = new MixupCutmix(0.8, 1.0, 0, 0.5, 0.1, K);
        float[] x = images(5);
        float[] original = x.clone();
        int[] labels = {0, 1, 2, 3, 4, 1};
        MixupCutmix.Result r = mix.apply(x, labels, C, H, W, new SplittableRandom(5));
        assertEquals(1.0, r.lambda());
        assertArrayEquals(original, x);
        assertArrayEquals(MixupCutmix.smoothedOneHot(labels, K, 0.1), r.softTargets());
    }

    @Test
    void betaSamplesHaveTheRightMeanAndVariance() {
        SplittableRandom rng = new SplittableRandom(12);
        for (double alpha : new double[] {0.8, 1.0, 2.5}) {
            int n = 20000;
            double sum = 0, sumSq = 0;
            for (int i = 0; i < n; i++) {
                double v = BetaDistribution.symmetric(alpha, rng);
                assertTrue(v >= 0 && v <= 1);
                sum += v;
                sumSq += v * v;
            }
            double mean = sum / n;
            double var = sumSq / n - mean * mean;
            double expectedVar = 1 / (4 * (2 * alpha + 1));
            // standard error of the mean is sqrt(var / n) <= 0.0025; allow 4 standard errors
            assertEquals(0.5, mean, 0.01, "alpha " + alpha);
            assertEquals(expectedVar, var, 0.1 * expectedVar, "alpha " + alpha);
        }
    }

    /** Every row sums to 1 and equals λ·smooth(y_i) + (1-λ)·smooth(y_{B-1-i}). */
    private static void checkTargets(float[] t, int[] labels, double lam, double smoothing) {
        int b = labels.length;
        double off = smoothing / K;
        double on = 1 - smoothing + off;
        for (int i = 0; i < b; i++) {
            double sum = 0;
            for (int k = 0; k < K; k++) {
                double expected = lam * (k == labels[i] ? on : off) + (1 - lam) * (k == labels[b - 1 - i] ? on : off);
                assertEquals(expected, t[i * K + k], 1e-6);
                sum += t[i * K + k];
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }
}
