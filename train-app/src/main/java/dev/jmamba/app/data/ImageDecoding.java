package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
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
     * Reads an image file (JPEG, PNG, BMP, GIF) as RGB floats.
     *
     * @throws IOException when the file cannot be read or no decoder accepts it
     */
    public static FloatImage readRgb(Path file) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (RuntimeException e) { // some ImageIO plugins throw unchecked exceptions on corrupt data
            throw new IOException("decoder failed: " + e, e);
        }
        if (image == null) throw new IOException("no image decoder recognises the file");
        return toRgb(image);
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
