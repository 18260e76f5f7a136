package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Resampler;
import dev.jmamba.vision.image.ImageTransform;

import java.util.SplittableRandom;

/**
 * torchvision's {@code RandomResizedCrop}: picks a rectangle covering a random fraction of the image area
 * (uniform in {@code scale}) with a random aspect ratio (log-uniform in {@code ratio}), up to 10 tries,
 * falling back to the largest centred rectangle whose ratio lies in {@code ratio}; then resizes it to
 * size × size with {@code filter}. The ImageNet recipe uses scale (0.08, 1), ratio (3/4, 4/3), bicubic.
 */
public record RandomResizedCrop(int size, double minScale, double maxScale, double minRatio, double maxRatio,
                                Resampler.Filter filter) implements ImageTransform {

    /** Crop rectangle in source pixels. */
    public record Box(int top, int left, int height, int width) {
    }

    public RandomResizedCrop {
        if (size <= 0) throw new IllegalArgumentException("crop size must be positive, got " + size);
        if (!(0 < minScale && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("scale range must satisfy 0 < min <= max <= 1, got (" + minScale + ", " + maxScale + ")");
        }
        if (!(0 < minRatio && minRatio <= maxRatio)) {
            throw new IllegalArgumentException("ratio range must satisfy 0 < min <= max, got (" + minRatio + ", " + maxRatio + ")");
        }
    }

    /** The recipe's crop: scale (0.08, 1), ratio (3/4, 4/3). */
    public static RandomResizedCrop imagenet(int size, Resampler.Filter filter) {
        return new RandomResizedCrop(size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, filter);
    }

    @Override public FloatImage apply(FloatImage image, SplittableRandom rng) {
        Box box = sampleBox(image.height(), image.width(), rng);
        return Resampler.resizeRegion(image, box.top, box.left, box.height, box.width, size, size, filter);
    }

    /** Draws the crop rectangle for an image of height × width. */
    public Box sampleBox(int height, int width, SplittableRandom rng) {
        double area = (double) height * width;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(rng, minScale, maxScale);
            double aspect = Math.exp(uniform(rng, logMin, logMax));
            int w = (int) Math.round(Math.sqrt(targetArea * aspect));
            int h = (int) Math.round(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new Box(top, left, h, w);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < minRatio) {
            w = width;
            h = Math.max(1, Math.min(height, (int) Math.round(w / minRatio)));
        } else if (inRatio > maxRatio) {
            h = height;
            w = Math.max(1, Math.min(width, (int) Math.round(h * maxRatio)));
        } else {
            w = width;
            h = height;
        }
        return new Box((height - h) / 2, (width - w) / 2, h, w);
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo == hi ? lo : rng.nextDouble(lo, hi);
    }
}
