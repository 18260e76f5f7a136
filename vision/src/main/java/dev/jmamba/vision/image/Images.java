package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/** Conversions between {@link BufferedImage}s and planar float images (C, H, W). */
public final class Images {
    private static final float INV_255 = 1f / 255f;

    private Images() {
    }

    /**
     * Converts an image to (3, H, W) RGB floats in [0, 1]; grayscale is replicated to three channels and
     * alpha is dropped (as PIL's {@code convert("RGB")}).
     */
    public static FloatImage toRgb(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        if (3L * h * w > Integer.MAX_VALUE - 8) {
            throw new JmambaException("a " + w + "x" + h + " image does not fit in one float array (at most about 715 million pixels)");
        }
        int plane = h * w;
        float[] out = new float[3 * plane];
        int type = image.getType();
        if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_BYTE_GRAY)
                && image.getRaster().getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1
                && image.getRaster().getParent() == null) {
            byte[] px = buffer.getData();
            if (type == BufferedImage.TYPE_3BYTE_BGR) {
                for (int i = 0, p = 0; i < plane; i++, p += 3) {
                    out[i] = (px[p + 2] & 0xff) * INV_255;
                    out[plane + i] = (px[p + 1] & 0xff) * INV_255;
                    out[2 * plane + i] = (px[p] & 0xff) * INV_255;
                }
            } else {
                for (int i = 0; i < plane; i++) {
                    float v = (px[i] & 0xff) * INV_255;
                    out[i] = v;
                    out[plane + i] = v;
                    out[2 * plane + i] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    int i = y * w + x;
                    out[i] = ((argb >> 16) & 0xff) * INV_255;
                    out[plane + i] = ((argb >> 8) & 0xff) * INV_255;
                    out[2 * plane + i] = (argb & 0xff) * INV_255;
                }
            }
        }
        return new FloatImage(3, h, w, out);
    }

    /** Converts (3, H, W) or (1, H, W) floats in [0, 1] to an 8-bit RGB image (for writing test/bench files). */
    public static BufferedImage toBufferedImage(FloatImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int r = to8Bit(image.get(0, y, x));
                int g = to8Bit(image.get(image.channels() == 3 ? 1 : 0, y, x));
                int b = to8Bit(image.get(image.channels() == 3 ? 2 : 0, y, x));
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    private static int to8Bit(float v) {
        return Math.clamp(Math.round(v * 255f), 0, 255);
    }

    /** ITU-R BT.601 luma of an RGB image: (3, H, W) → (1, H, W). */
    public static FloatImage toGray(FloatImage rgb) {
        if (rgb.channels() != 3) throw new JmambaException("toGray needs a (3, H, W) image, got " + rgb.shapeText());
        int plane = rgb.height() * rgb.width();
        float[] d = rgb.data(), g = new float[plane];
        for (int i = 0; i < plane; i++) g[i] = 0.299f * d[i] + 0.587f * d[plane + i] + 0.114f * d[2 * plane + i];
        return new FloatImage(1, rgb.height(), rgb.width(), g);
    }
}
