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

    /**
     * One image's erasing as drawn: rows [top, top + height) × columns [left, left + width) of every
     * channel get {@code noise}, (C, height, width) in the order the draws were made.
     */
    public record Box(int top, int left, int height, int width, float[] noise) {}

    @Override public FloatImage apply(FloatImage image, SplittableRandom rng) {
        Box box = draw(image.channels(), image.height(), image.width(), rng);
        if (box == null) return image;
        int h = image.height(), w = image.width();
        float[] d = image.data();
        for (int c = 0, i = 0; c < image.channels(); c++) {
            for (int y = box.top(); y < box.top() + box.height(); y++) {
                int row = (c * h + y) * w;
                for (int x = box.left(); x < box.left() + box.width(); x++) d[row + x] = box.noise()[i++];
            }
        }
        return image;
    }

    /**
     * Draws the erasing of a (channels, h, w) image from {@code rng} — the draws {@link #apply} makes, in
     * its order — without touching pixels; null when nothing is erased. (What the GPU path uses: the
     * draws on the host, the box written into the device batch.)
     */
    public Box draw(int channels, int h, int w, SplittableRandom rng) {
        if (rng.nextDouble() >= probability) return null;
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = rng.nextDouble(MIN_AREA, MAX_AREA) * area;
            double aspect = Math.exp(rng.nextDouble(LOG_MIN_ASPECT, LOG_MAX_ASPECT));
            int eh = (int) Math.round(Math.sqrt(target * aspect));
            int ew = (int) Math.round(Math.sqrt(target / aspect));
            if (ew < w && eh < h) {
                int top = rng.nextInt(h - eh + 1);
                int left = rng.nextInt(w - ew + 1);
                float[] noise = new float[channels * eh * ew];
                for (int i = 0; i < noise.length; i++) noise[i] = (float) rng.nextGaussian();
                return new Box(top, left, eh, ew, noise);
            }
        }
        return null;
    }
}
