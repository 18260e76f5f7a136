package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageTransform;

import java.util.SplittableRandom;

/**
 * The small-image augmentation (CIFAR-style {@code RandomCrop(size, padding)}): pads the image with
 * {@code padding} zero pixels on every side and cuts a random window of the original size, i.e. a random
 * shift of up to ± padding pixels in each direction with zero fill. Used for 28 px and 32 px data.
 */
public record PadRandomCrop(int padding) implements ImageTransform {

    public PadRandomCrop {
        if (padding < 0) throw new IllegalArgumentException("padding must be >= 0, got " + padding);
    }

    @Override public FloatImage apply(FloatImage image, SplittableRandom rng) {
        int dy = rng.nextInt(2 * padding + 1) - padding; // output row y reads input row y + dy
        int dx = rng.nextInt(2 * padding + 1) - padding;
        int h = image.height();
        int w = image.width();
        float[] out = new float[image.length()];
        int x0 = Math.max(0, -dx);
        int x1 = Math.min(w, w - dx);
        if (x1 > x0) {
            for (int c = 0; c < image.channels(); c++) {
                for (int y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
                    System.arraycopy(image.data(), (c * h + y + dy) * w + x0 + dx, out, (c * h + y) * w + x0, x1 - x0);
                }
            }
        }
        return new FloatImage(image.channels(), h, w, out);
    }
}
