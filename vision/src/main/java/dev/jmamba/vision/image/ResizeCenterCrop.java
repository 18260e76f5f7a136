package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;
import java.util.SplittableRandom;

/**
 * The evaluation crop of the recipe: resize so the shorter side is {@code floor(size / cropFraction)}
 * (224 / 0.875 = 256), keeping the aspect ratio (longer side truncated like torchvision's
 * {@code Resize(int)}), then cut the centred size × size square. Deterministic.
 */
public record ResizeCenterCrop(int size, double cropFraction, Resampler.Filter filter) implements ImageTransform {

    /** The recipe's crop fraction, 0.875. */
    public static final double DEFAULT_CROP_FRACTION = 0.875;

    public ResizeCenterCrop {
        if (size <= 0) throw new JmambaException("crop size must be positive, got " + size);
        if (!(cropFraction > 0 && cropFraction <= 1)) throw new JmambaException("crop fraction must be in (0, 1], got " + cropFraction);
    }

    @Override public FloatImage apply(FloatImage image, SplittableRandom rng) {
        int h = image.height();
        int w = image.width();
        int[] resized0 = resizedSize(h, w);
        int newH = resized0[0];
        int newW = resized0[1];
        FloatImage resized = (newH == h && newW == w) ? image : Resampler.resize(image, newH, newW, filter);
        int top = (int) Math.round((newH - size) / 2.0);
        int left = (int) Math.round((newW - size) / 2.0);
        return crop(resized, top, left, size, size);
    }

    /** The size {newH, newW} an h × w image is resized to before the centre crop (shorter side floor(size / cropFraction)). */
    public int[] resizedSize(int h, int w) {
        int shorter = (int) Math.floor(size / cropFraction);
        return h <= w ? new int[] {shorter, (int) ((long) shorter * w / h)} : new int[] {(int) ((long) shorter * h / w), shorter};
    }

    /** Copies rows [top, top + h) × columns [left, left + w) of {@code src}. */
    static FloatImage crop(FloatImage src, int top, int left, int h, int w) {
        if (top < 0 || left < 0 || top + h > src.height() || left + w > src.width()) {
            throw new JmambaException("crop (top " + top + ", left " + left + ", " + h + "×" + w + ") does not fit " + src.shapeText());
        }
        float[] out = new float[src.channels() * h * w];
        for (int c = 0; c < src.channels(); c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(src.data(), (c * src.height() + top + y) * src.width() + left, out, (c * h + y) * w, w);
            }
        }
        return new FloatImage(src.channels(), h, w, out);
    }
}
