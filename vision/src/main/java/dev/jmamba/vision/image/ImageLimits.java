package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;

/**
 * Size limits for decoding image files, checked against the size in the file's header before any
 * pixel memory is allocated.
 *
 * <ul>
 *   <li>{@code maxPixels}: images with more pixels are refused (one sentence naming the file and its
 *       size). The default, 178,956,970 (= 2 · 89,478,485, Pillow's "decompression bomb" error
 *       threshold), stops a small file that claims e.g. 30000 × 30000 pixels (875 KB as a PNG of
 *       zeros) from exhausting memory.</li>
 *   <li>{@code decodePixels}: larger images (up to {@code maxPixels}) are decoded with source
 *       subsampling, every s-th pixel of every s-th row for the smallest integer s whose result has
 *       at most this many pixels, so a 100-megapixel photo costs about as much memory as a
 *       16-megapixel one. Default 16,777,216 (4096²), far above the 224-pixel inputs of the models.</li>
 * </ul>
 * The defaults can be changed with the system properties {@code jmamba.image.maxPixels} and
 * {@code jmamba.image.decodePixels} (e.g. {@code JMAMBA_JAVA_OPTS=-Djmamba.image.maxPixels=400000000}).
 *
 * @param maxPixels    largest width · height accepted
 * @param decodePixels largest width · height decoded without subsampling (at most {@code maxPixels})
 */
public record ImageLimits(long maxPixels, long decodePixels) {
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;
    public static final long DEFAULT_DECODE_PIXELS = 1L << 24;
    /** The limits in effect: the defaults, or the system properties when set. */
    public static final ImageLimits DEFAULT = fromSystemProperties();

    public ImageLimits {
        if (maxPixels < 1 || decodePixels < 1) throw new JmambaException("image limits must be >= 1, got " + maxPixels + ", " + decodePixels);
        decodePixels = Math.min(decodePixels, maxPixels);
    }

    static ImageLimits fromSystemProperties() {
        return new ImageLimits(property("jmamba.image.maxPixels", DEFAULT_MAX_PIXELS), property("jmamba.image.decodePixels", DEFAULT_DECODE_PIXELS));
    }

    private static long property(String name, long dflt) {
        String v = System.getProperty(name);
        if (v == null) return dflt;
        try {
            long n = Long.parseLong(v.strip().replace("_", ""));
            return n >= 1 ? n : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** True when a {@code width × height} image may be decoded at all. */
    public boolean accepts(int width, int height) {
        return (long) width * height <= maxPixels;
    }

    /** The smallest step s ≥ 1 such that an image subsampled by s in both directions has at most {@code decodePixels} pixels. */
    public int subsampling(int width, int height) {
        int s = 1;
        while ((long) ceilDiv(width, s) * ceilDiv(height, s) > decodePixels) s++;
        return s;
    }

    private static long ceilDiv(int a, int s) {
        return (a + (long) s - 1) / s;
    }
}
