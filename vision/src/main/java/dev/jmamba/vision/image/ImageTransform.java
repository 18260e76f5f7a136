package dev.jmamba.vision.image;

import java.util.SplittableRandom;

/**
 * One step of the per-sample pipeline. A transform draws all its random choices from {@code rng}, the
 * sample's own stream (the training loader derives it from (seed, epoch, index)), so its output depends only on those.
 * A transform may modify and return its input; callers must not reuse the input afterwards.
 */
@FunctionalInterface
public interface ImageTransform {

    /** Transforms {@code image} (C, H, W). */
    FloatImage apply(FloatImage image, SplittableRandom rng);

    /** This transform followed by {@code next}. */
    default ImageTransform then(ImageTransform next) {
        return (image, rng) -> next.apply(apply(image, rng), rng);
    }

    /** Horizontal flip with probability {@code p} (the recipe uses 0.5). */
    static ImageTransform horizontalFlip(double p) {
        return (image, rng) -> {
            if (rng.nextDouble() >= p) return image;
            float[] d = image.data();
            int w = image.width();
            for (int row = 0, rows = image.channels() * image.height(); row < rows; row++) {
                for (int a = row * w, b = a + w - 1; a < b; a++, b--) {
                    float t = d[a];
                    d[a] = d[b];
                    d[b] = t;
                }
            }
            return image;
        };
    }

    /** Normalises each channel with {@code norm}: (x - mean) / std. */
    static ImageTransform normalize(Normalization norm) {
        return (image, rng) -> {
            norm.applyInPlace(image);
            return image;
        };
    }

    /** Resizes the whole image to (height, width); returns the input unchanged when it already has that size. */
    static ImageTransform resize(int height, int width, Resampler.Filter filter) {
        return (image, rng) -> image.height() == height && image.width() == width ? image : Resampler.resize(image, height, width, filter);
    }

    /** Replicates a 1-channel image to 3 channels (for RGB models on grayscale data). */
    static ImageTransform grayToRgb() {
        return (image, rng) -> {
            if (image.channels() != 1) return image;
            int plane = image.height() * image.width();
            float[] out = new float[3 * plane];
            for (int c = 0; c < 3; c++) System.arraycopy(image.data(), 0, out, c * plane, plane);
            return new FloatImage(3, image.height(), image.width(), out);
        };
    }
}
