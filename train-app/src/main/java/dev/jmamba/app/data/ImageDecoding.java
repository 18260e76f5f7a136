package dev.jmamba.app.data;

import dev.jmamba.vision.image.BoundedImageReader;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageLimits;
import dev.jmamba.vision.image.Images;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Decodes image files with javax.imageio and converts {@link BufferedImage}s to (3, H, W) floats in [0, 1]. */
public final class ImageDecoding {
    static {
        ImageIO.setUseCache(false); // decode in memory, never through temp files
    }

    private ImageDecoding() {
    }

    /**
     * Reads an image file (JPEG, PNG, BMP, GIF) as RGB floats, within the {@link ImageLimits#DEFAULT} limits.
     *
     * @throws IOException when the file cannot be read, no decoder accepts it, it is too large, truncated or damaged
     */
    public static FloatImage readRgb(Path file) throws IOException {
        return readRgb(file, ImageLimits.DEFAULT);
    }

    /** As {@link #readRgb(Path)}: the size is checked from the header, large images are decoded subsampled (see {@link ImageLimits}). */
    public static FloatImage readRgb(Path file, ImageLimits limits) throws IOException {
        return toRgb(BoundedImageReader.read(file, limits));
    }

    /** {@link Images#toRgb}: (3, H, W) RGB floats in [0, 1]. */
    public static FloatImage toRgb(BufferedImage image) {
        return Images.toRgb(image);
    }

    /** {@link Images#toBufferedImage}: an 8-bit RGB image (for writing test/bench files). */
    public static BufferedImage toBufferedImage(FloatImage image) {
        return Images.toBufferedImage(image);
    }
}
