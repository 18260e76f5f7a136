package dev.jmamba.app.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files to RGB: JPEGs with libjpeg-turbo ({@link TurboJpeg}) when it is available and
 * chosen, everything else (PNG, BMP, GIF, CMYK JPEGs, and all files where TurboJPEG is missing) with
 * javax.imageio. Converts {@link BufferedImage}s to (3, H, W) floats in [0, 1].
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
     * Reads an image file (JPEG, PNG, BMP, GIF) as RGB floats, JPEGs with TurboJPEG where available.
     *
     * @throws IOException when the file cannot be read or no decoder accepts it
     */
    public static FloatImage readRgb(Path file) throws IOException {
        return readRgb(file, Decoder.AUTO);
    }

    /** Reads an image file as RGB floats with {@code decoder} for JPEGs. */
    public static FloatImage readRgb(Path file, Decoder decoder) throws IOException {
        Opened opened = open(file, decoder);
        if (opened instanceof ImageIoFile f) return toRgb(f.image);
        return opened.pixels(1).toFloat();
    }

    /** Opens {@code file}: reads its header (TurboJPEG) or decodes it whole (ImageIO). */
    public static Opened open(Path file, Decoder decoder) throws IOException {
        if (decoder.usesTurboJpeg()) {
            TurboJpeg.Decoder tj = TurboJpeg.decoder();
            TurboJpeg.Header header = tj.open(file);
            if (header != null && !header.isCmyk()) return new TurboJpegFile(tj, header);
        }
        return new ImageIoFile(readImageIo(file));
    }

    /** A JPEG opened by this thread's TurboJPEG decoder. */
    private record TurboJpegFile(TurboJpeg.Decoder tj, TurboJpeg.Header header) implements Opened {
        @Override public int width() { return header.width(); }

        @Override public int height() { return header.height(); }

        @Override public RgbBytes pixels(double minScale) throws IOException {
            int num = TurboJpeg.SCALE_DENOM;
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

    /**
     * Decodes with javax.imageio; warnings that mean damaged data ({@link TurboJpeg#meansDamagedData})
     * make it fail, other warnings are ignored.
     */
    static BufferedImage readImageIo(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new IOException("cannot open the file");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IOException("no image decoder recognises the file");
            ImageReader reader = readers.next();
            List<String> missingData = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (TurboJpeg.meansDamagedData(warning)) missingData.add(warning);
                });
                BufferedImage image = reader.read(0);
                if (!missingData.isEmpty()) throw new IOException(String.join("; ", missingData));
                if (image == null) throw new IOException("no image decoder recognises the file");
                return image;
            } catch (RuntimeException e) { // some ImageIO plugins throw unchecked exceptions on corrupt data
                throw new IOException("decoder failed: " + e, e);
            } finally {
                reader.dispose();
            }
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

    /**
     * Converts an image to (3, H, W) RGB floats in [0, 1]; grayscale is replicated to three channels and
     * alpha is dropped (as PIL's {@code convert("RGB")}).
     */
    public static FloatImage toRgb(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
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
}
