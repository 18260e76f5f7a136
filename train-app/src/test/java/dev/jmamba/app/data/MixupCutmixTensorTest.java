package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mixup / cutmix on a tensor (what device batches get) against the array version the host loader
 * uses: the same draws from the same stream, the same float operations, so the pixels and targets
 * must be equal bit for bit (no tolerance: any difference is a different operation order), for even
 * and odd batches (the middle image of an odd batch pairs with itself and stays as it was), for
 * mixup, cutmix and no mixing; and the stream is left where the array version leaves it.
 */
class MixupCutmixTensorTest {
    private static final int C = 3, H = 9, W = 11, K = 7;

    private static float[] images(int b, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[b * C * H * W];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    private static int[] labels(int b, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 99);
        int[] y = new int[b];
        for (int i = 0; i < b; i++) y[i] = rng.nextInt(K);
        return y;
    }

    private static void compare(MixupCutmix mix, int b, long seed, boolean[] sawCutmix, boolean[] sawMixup) {
        float[] x = images(b, seed);
        int[] y = labels(b, seed);
        SplittableRandom r1 = new SplittableRandom(seed * 31 + 7), r2 = new SplittableRandom(seed * 31 + 7);
        float[] expected = x.clone();
        MixupCutmix.Result a = mix.apply(expected, y, C, H, W, r1);
        try (Scope scope = Scope.open()) {
            Tensor t = Tensor.of(x, b, C, H, W);
            MixupCutmix.Result d = mix.apply(t, y, r2);
            assertEquals(a.lambda(), d.lambda(), "lambda, seed " + seed);
            assertEquals(a.cutmix(), d.cutmix());
            assertArrayEquals(a.softTargets(), d.softTargets(), "targets, seed " + seed);
            assertArrayEquals(expected, t.toFloatArray(), "pixels, seed " + seed + ", batch " + b + (a.cutmix() ? " cutmix" : " mixup"));
            assertEquals(r1.nextLong(), r2.nextLong(), "the stream is left at the same place");
            if (a.lambda() != 1) {
                if (a.cutmix()) sawCutmix[0] = true;
                else sawMixup[0] = true;
            }
        }
    }

    @Test
    void tensorMixingEqualsTheArrayVersionBitForBit() {
        boolean[] cut = {false}, mixed = {false};
        MixupCutmix recipe = MixupCutmix.recipe(K);
        for (int b : new int[] {6, 5, 1, 2}) {
            for (long seed = 0; seed < 12; seed++) compare(recipe, b, seed, cut, mixed);
        }
        assertTrue(cut[0] && mixed[0], "both cutmix and mixup were drawn");
        compare(new MixupCutmix(0.8, 0, 1, 0.5, 0.1, K), 4, 3, cut, mixed);          // mixup only
        compare(new MixupCutmix(0, 1.0, 1, 0.5, 0.1, K), 4, 3, cut, mixed);          // cutmix only
        compare(new MixupCutmix(0.8, 1.0, 0, 0.5, 0.1, K), 4, 3, cut, mixed);        // prob 0: targets only
    }
}
