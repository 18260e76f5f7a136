package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageTransform;

import java.util.SplittableRandom;

/**
 * timm's {@code RandomErasing} in "pixel" mode with one box: with probability {@code probability}, picks a
 * rectangle of area uniform in [2%, 1/3] of the image and aspect ratio log-uniform in [0.3, 1/0.3] (up to
 * 10 tries; no erasing if none fits) and fills it with independent standard-normal noise per channel and
 * pixel. Applied after normalisation, so the noise matches the normalised statistics.
 */
public record RandomErasing(double probability) implements ImageTransform {
    private static final double MIN_AREA = 0.02;
    private static final double MAX_AREA = 1.0 / 3.0;
    private static final double LOG_MIN_ASPECT = Math.log(0.3);
    private static final double LOG_MAX_ASPECT = Math.log(1 / 0.3);

    public RandomErasing {
        if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("erasing probability must be in [0, 1], got " + probability);
    }

    @Override public FloatImage apply(FloatImage image, SplittableRandom rng) {
        if (rng.nextDouble() >= probability) return image;
        int h = image.height();
        int w = image.width();
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = rng.nextDouble(MIN_AREA, MAX_AREA) * area;
            double aspect = Math.exp(rng.nextDouble(LOG_MIN_ASPECT, LOG_MAX_ASPECT));
            int eh = (int) Math.round(Math.sqrt(target * aspect));
            int ew = (int) Math.round(Math.sqrt(target / aspect));
            if (ew < w && eh < h) {
                int top = rng.nextInt(h - eh + 1);
                int left = rng.nextInt(w - ew + 1);
                float[] d = image.data();
                for (int c = 0; c < image.channels(); c++) {
                    for (int y = top; y < top + eh; y++) {
                        int row = (c * h + y) * w;
                        for (int x = left; x < left + ew; x++) d[row + x] = (float) rng.nextGaussian();
                    }
                }
                break;
            }
        }
        return image;
    }
}
