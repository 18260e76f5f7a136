package dev.jmamba.app.data;

import dev.jmamba.vision.image.BoundedImageReader;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageLimits;
import dev.jmamba.vision.image.Images;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Decodes image files to RGB: JPEGs with libjpeg-turbo ({@link TurboJpeg}) when it is available and
 * chosen, everything else (PNG, BMP, GIF, CMYK JPEGs, and all files where TurboJPEG is missing) with
 * javax.imageio ({@link BoundedImageReader}). Converts {@link BufferedImage}s to (3, H, W) floats in [0, 1].
 *
 * <p>Both respect {@link ImageLimits}: an image larger than {@code maxPixels} is refused from its
 * header; one larger than {@code decodePixels} is decoded smaller — by ImageIO subsampled, by
 * TurboJPEG at the largest DCT scale num / 8 that fits (so the two decode such images differently).
 *
 * <p>Both decoders treat a JPEG whose data are damaged or end early (truncated file, premature end
 * of a data segment, corrupt entropy-coded data) as unreadable: an {@link IOException} whose
 * message says what libjpeg reported. ImageIO on its own would return such an image with the
 * missing part filled with grey.
 */
public final class ImageDecoding {
    private static final float INV_255 = 1f / 255f;

    /** Which decoder reads JPEG files. */
    public enum Decoder {
        /** TurboJPEG when the library is available, else ImageIO. */
        AUTO,
        /** TurboJPEG; a run that asks for it fails clearly where it is missing. */
        TURBOJPEG,
        /** javax.imageio only (the reference). */
        IMAGEIO;

        /** Parses {@code auto}, {@code turbojpeg} or {@code imageio} (any case). */
        public static Decoder parse(String name) {
            for (Decoder d : values()) if (d.name().equalsIgnoreCase(name)) return d;
            throw new IllegalArgumentException("unknown decoder '" + name + "' (expected auto, turbojpeg or imageio)");
        }

        /** True when JPEGs are read with TurboJPEG under this choice. */
        public boolean usesTurboJpeg() {
            return switch (this) {
                case AUTO -> TurboJpeg.available();
                case TURBOJPEG -> {
                    if (!TurboJpeg.available()) throw new IllegalStateException("the TurboJPEG decoder was asked for but " + TurboJpeg.unavailableReason());
                    yield true;
                }
                case IMAGEIO -> false;
            };
        }
    }

    /**
     * Interleaved 8-bit RGB pixels: (height, width, 3) in the first 3·height·width entries of
     * {@code rgb} (the array may be longer, and may belong to a per-thread decoder).
     */
    public record RgbBytes(int width, int height, byte[] rgb) {
        public RgbBytes {
            if (width <= 0 || height <= 0 || rgb.length < 3L * width * height) {
                throw new IllegalArgumentException("RGB bytes of " + width + "x" + height + " need " + 3L * width * height + " bytes, got " + rgb.length);
            }
        }

        /** As (3, H, W) floats in [0, 1] (value / 255, as {@link #toRgb(BufferedImage)} converts). */
        public FloatImage toFloat() {
            int plane = width * height;
            float[] out = new float[3 * plane];
            for (int i = 0, p = 0; i < plane; i++, p += 3) {
                out[i] = (rgb[p] & 0xff) * INV_255;
                out[plane + i] = (rgb[p + 1] & 0xff) * INV_255;
                out[2 * plane + i] = (rgb[p + 2] & 0xff) * INV_255;
            }
            return new FloatImage(3, height, width, out);
        }
    }

    /**
     * An image file whose size is known and whose pixels are decoded on request: JPEGs through
     * TurboJPEG may be decoded at a reduced DCT scale, all others at full size.
     */
    public interface Opened {
        int width();

        int height();

        /**
         * The pixels at the smallest scale num / 8 (num = 1 … 8) whose size is at least
         * {@code minScale} times the full size in both directions (always 8 / 8 for ImageIO files
         * and for minScale ≥ 1). The bytes may belong to the calling thread's decoder: use them
         * before the thread's next decode.
         */
        RgbBytes pixels(double minScale) throws IOException;
    }

    static {
        ImageIO.setUseCache(false); // decode in memory, never through temp files
    }

    private ImageDecoding() {
    }

    /**
     * Reads an image file (JPEG, PNG, BMP, GIF) as RGB floats, JPEGs with TurboJPEG where available,
     * within the {@link ImageLimits#DEFAULT} limits.
     *
     * @throws IOException when the file cannot be read, no decoder accepts it, it is too large, truncated or damaged
     */
    public static FloatImage readRgb(Path file) throws IOException {
        return readRgb(file, Decoder.AUTO, ImageLimits.DEFAULT);
    }

    /** As {@link #readRgb(Path)} with other limits. */
    public static FloatImage readRgb(Path file, ImageLimits limits) throws IOException {
        return readRgb(file, Decoder.AUTO, limits);
    }

    /** Reads an image file as RGB floats with {@code decoder} for JPEGs. */
    public static FloatImage readRgb(Path file, Decoder decoder) throws IOException {
        return readRgb(file, decoder, ImageLimits.DEFAULT);
    }

    /** Reads an image file as RGB floats with {@code decoder} for JPEGs, within {@code limits}. */
    public static FloatImage readRgb(Path file, Decoder decoder, ImageLimits limits) throws IOException {
        Opened opened = open(file, decoder, limits);
        if (opened instanceof ImageIoFile f) return toRgb(f.image);
        return opened.pixels(1).toFloat();
    }

    /** {@link #open(Path, Decoder, ImageLimits)} within the {@link ImageLimits#DEFAULT} limits. */
    public static Opened open(Path file, Decoder decoder) throws IOException {
        return open(file, decoder, ImageLimits.DEFAULT);
    }

    /** Opens {@code file}: reads its header (TurboJPEG) or decodes it whole (ImageIO). */
    public static Opened open(Path file, Decoder decoder, ImageLimits limits) throws IOException {
        // missing, unreadable and folder paths get BoundedImageReader's plain reasons
        if (decoder.usesTurboJpeg() && Files.isRegularFile(file) && Files.isReadable(file)) {
            TurboJpeg.Decoder tj = TurboJpeg.decoder();
            TurboJpeg.Header header = tj.open(file);
            if (header != null && !header.isCmyk()) {
                if (!limits.accepts(header.width(), header.height())) {
                    throw new IOException(String.format(Locale.ROOT, "the image is %dx%d = %,d pixels, more than the limit of %,d "
                                    + "(a larger limit: -Djmamba.image.maxPixels=N in JMAMBA_JAVA_OPTS)", header.width(), header.height(),
                            (long) header.width() * header.height(), limits.maxPixels()));
                }
                return new TurboJpegFile(tj, header, largestScale(header, limits));
            }
        }
        return new ImageIoFile(BoundedImageReader.read(file, limits));
    }

    /** The largest DCT scale num / 8 whose image has at most {@code decodePixels} pixels (1 if none: libjpeg's smallest). */
    private static int largestScale(TurboJpeg.Header h, ImageLimits limits) {
        int num = TurboJpeg.SCALE_DENOM;
        while (num > 1 && (long) TurboJpeg.scaled(h.width(), num, TurboJpeg.SCALE_DENOM) * TurboJpeg.scaled(h.height(), num, TurboJpeg.SCALE_DENOM)
                > limits.decodePixels()) {
            num--;
        }
        return num;
    }

    /** A JPEG opened by this thread's TurboJPEG decoder. */
    private record TurboJpegFile(TurboJpeg.Decoder tj, TurboJpeg.Header header, int maxNum) implements Opened {
        @Override public int width() { return header.width(); }

        @Override public int height() { return header.height(); }

        @Override public RgbBytes pixels(double minScale) throws IOException {
            int num = maxNum;
            while (num > 1 && TurboJpeg.scaled(header.width(), num - 1, TurboJpeg.SCALE_DENOM) >= minScale * header.width()
                    && TurboJpeg.scaled(header.height(), num - 1, TurboJpeg.SCALE_DENOM) >= minScale * header.height()) {
                num--;
            }
            TurboJpeg.Decoded d = tj.decode(header, num);
            return new RgbBytes(d.width(), d.height(), d.rgb());
        }
    }

    /** A file decoded by ImageIO. */
    private static final class ImageIoFile implements Opened {
        final BufferedImage image;
        private RgbBytes bytes;

        ImageIoFile(BufferedImage image) {
            this.image = image;
        }

        @Override public int width() { return image.getWidth(); }

        @Override public int height() { return image.getHeight(); }

        @Override public RgbBytes pixels(double minScale) {
            if (bytes == null) bytes = toRgbBytes(image);
            return bytes;
        }
    }

    /** Interleaved RGB bytes of an image (grayscale replicated, alpha dropped, as {@link #toRgb}). */
    public static RgbBytes toRgbBytes(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        int plane = h * w;
        byte[] out = new byte[3 * plane];
        int type = image.getType();
        if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_BYTE_GRAY)
                && image.getRaster().getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1
                && image.getRaster().getParent() == null) {
            byte[] px = buffer.getData();
            if (type == BufferedImage.TYPE_3BYTE_BGR) {
                for (int i = 0, p = 0; i < plane; i++, p += 3) {
                    out[p] = px[p + 2];
                    out[p + 1] = px[p + 1];
                    out[p + 2] = px[p];
                }
            } else {
                TurboJpeg.grayToRgb(px, out, plane);
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0, p = 3 * y * w; x < w; x++, p += 3) {
                    int argb = row[x];
                    out[p] = (byte) (argb >> 16);
                    out[p + 1] = (byte) (argb >> 8);
                    out[p + 2] = (byte) argb;
                }
            }
        }
        return new RgbBytes(w, h, out);
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
