package dev.jmamba.app.data;

import dev.jmamba.vision.image.BoundedImageReader;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageLimits;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TurboJPEG's pixels against ImageIO's (the reference) on a set of JPEGs: baseline, progressive,
 * grayscale, CMYK, EXIF-rotated, 1×1 and 8000×6000; and both decoders' handling of corrupt and
 * truncated files. Skipped (with the reason) where libturbojpeg is not installed.
 *
 * <p>Tolerance: none. Both run libjpeg's accurate integer IDCT (ISLOW), the same fixed-point
 * YCbCr → RGB tables and the same "fancy" triangle chroma upsampling (libjpeg-turbo's SIMD versions
 * are bit-exact with the C code), so the bytes agree exactly; measured so on libjpeg-turbo 2.1.5
 * against JDK 25's ImageIO. A build that differed would show it here first.
 */
class JpegDecodingTest {

    @TempDir Path dir;

    /** Limits that decode every test image at full size (the default decodes the 8000 x 6000 one smaller). */
    private static final ImageLimits FULL = new ImageLimits(ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_PIXELS);

    @BeforeEach
    void needsTurboJpeg() {
        assumeTrue(TurboJpeg.available(), () -> "libturbojpeg is not available: " + TurboJpeg.unavailableReason());
    }

    /** Photo-like RGB content: smooth gradients, edges and noise. */
    static BufferedImage photo(int w, int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (int) Math.clamp(128 + 100 * Math.sin(0.05 * x) + rng.nextInt(-25, 26), 0, 255);
                int g = (int) Math.clamp(128 + 100 * Math.cos(0.07 * y) + rng.nextInt(-25, 26), 0, 255);
                int b = ((x / 16 + y / 16) % 2) * 200 + rng.nextInt(0, 40);
                img.setRGB(x, y, r << 16 | g << 8 | Math.min(b, 255));
            }
        }
        return img;
    }

    static byte[] writeJpeg(BufferedImage img, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.85f);
            if (progressive) p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** {@code jpeg} with an APP1 Exif segment (orientation 6: rotate 90° clockwise) right after SOI. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 0, 6);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        int len = exif.length + 2;
        byte[] out = new byte[jpeg.length + 4 + exif.length];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) 0xE1;
        out[4] = (byte) (len >> 8);
        out[5] = (byte) len;
        System.arraycopy(exif, 0, out, 6, exif.length);
        System.arraycopy(jpeg, 2, out, 6 + exif.length, jpeg.length - 2);
        return out;
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    /** Asserts TurboJPEG's bytes equal ImageIO's for {@code f}; returns the TurboJPEG header. */
    private static TurboJpeg.Header assertSamePixels(Path f, int w, int h) throws IOException {
        ImageDecoding.RgbBytes reference = ImageDecoding.toRgbBytes(BoundedImageReader.read(f, FULL));
        ImageDecoding.Opened opened = ImageDecoding.open(f, ImageDecoding.Decoder.TURBOJPEG, FULL);
        ImageDecoding.RgbBytes got = opened.pixels(1);
        assertEquals(w, got.width(), f + ": width");
        assertEquals(h, got.height(), f + ": height");
        assertEquals(reference.width(), got.width());
        assertEquals(reference.height(), got.height());
        int n = 3 * w * h;
        if (!Arrays.equals(reference.rgb(), 0, n, got.rgb(), 0, n)) {
            int max = 0, differing = 0;
            for (int i = 0; i < n; i++) {
                int d = Math.abs((reference.rgb()[i] & 0xff) - (got.rgb()[i] & 0xff));
                max = Math.max(max, d);
                if (d != 0) differing++;
            }
            fail(f.getFileName() + ": TurboJPEG differs from ImageIO in " + differing + " of " + n + " bytes, by up to " + max);
        }
        TurboJpeg.Header header = TurboJpeg.decoder().open(f);
        return header;
    }

    @Test
    void baselineProgressiveGrayscaleExifAndOnePixelMatchImageIo() throws IOException {
        BufferedImage photo = photo(257, 193, 1);
        assertSamePixels(file("baseline.jpg", writeJpeg(photo, false)), 257, 193);
        assertSamePixels(file("progressive.jpg", writeJpeg(photo, true)), 257, 193);
        BufferedImage gray = new BufferedImage(131, 77, BufferedImage.TYPE_BYTE_GRAY);
        gray.getGraphics().drawImage(photo, 0, 0, null);
        TurboJpeg.Header g = assertSamePixels(file("gray.jpg", writeJpeg(gray, false)), 131, 77);
        assertEquals(TurboJpeg.TJCS_GRAY, g.colorspace());
        // EXIF orientation is not applied by either decoder: the stored 257 x 193 comes out
        assertSamePixels(file("exif6.jpg", withExifOrientation(writeJpeg(photo, false), 6)), 257, 193);
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        one.setRGB(0, 0, 0x3377cc);
        assertSamePixels(file("one.jpg", writeJpeg(one, false)), 1, 1);
    }

    @Test
    void cmykJpegsAreLeftToImageIoColourConversion() throws IOException {
        byte[] cmyk = new byte[4 * 40 * 30];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < cmyk.length; i++) cmyk[i] = (byte) (40 * (i % 4) + rng.nextInt(100));
        Path f = file("cmyk.jpg", TurboJpeg.encode(cmyk, 40, 30, true, 90, false));
        assertTrue(TurboJpeg.decoder().open(f).isCmyk());
        assertThrows(IllegalArgumentException.class, () -> TurboJpeg.decoder().decode(TurboJpeg.decoder().open(f), 8));
        assertSamePixels(f, 40, 30);
    }

    @Test
    void large8000x6000MatchesImageIoAndDctScalingIsAFairDownscale() throws IOException {
        int w = 8000, h = 6000;
        byte[] rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0, p = 3 * y * w; x < w; x++, p += 3) {
                rgb[p] = (byte) (128 + 100 * Math.sin(0.002 * x));
                rgb[p + 1] = (byte) (128 + 100 * Math.cos(0.003 * y));
                rgb[p + 2] = (byte) ((x ^ y) & 0x3f);
            }
        }
        Path f = file("large.jpg", TurboJpeg.encode(rgb, w, h, false, 85, false));
        rgb = null;
        assertSamePixels(f, w, h);
        // scale 1/8: 1000 x 750, against the mean of each 8 x 8 block of the full decode (the DC term the
        // 1/8 scaled IDCT keeps); the difference comes from the chroma, which libjpeg upsamples smoothly at full
        // size but takes block-wise at 1/8
        ImageDecoding.RgbBytes full = ImageDecoding.open(f, ImageDecoding.Decoder.TURBOJPEG, FULL).pixels(1);
        int sw = 1000, sh = 750;
        float[] box = new float[3 * sw * sh];
        for (int y = 0; y < h; y++) {
            for (int x = 0, p = 3 * y * w; x < w; x++, p += 3) {
                int o = 3 * ((y / 8) * sw + x / 8);
                for (int c = 0; c < 3; c++) box[o + c] += (full.rgb()[p + c] & 0xff) / 64f;
            }
        }
        ImageDecoding.RgbBytes small = ImageDecoding.open(f, ImageDecoding.Decoder.TURBOJPEG, FULL).pixels(0.125);
        assertEquals(sw, small.width());
        assertEquals(sh, small.height());
        double sum = 0;
        for (int i = 0; i < 3 * sw * sh; i++) sum += Math.abs((small.rgb()[i] & 0xff) - box[i]);
        double mean = sum / (3.0 * sw * sh);
        assertTrue(mean < 1.0, "mean |1/8 scaled decode - 8x8 block means of the full decode| = " + mean + " levels");
        assertEquals(2000, ImageDecoding.open(f, ImageDecoding.Decoder.TURBOJPEG, FULL).pixels(0.25).width(), "scale 2/8 for a minimum of 1/4");
        assertEquals(3000, ImageDecoding.open(f, ImageDecoding.Decoder.TURBOJPEG, FULL).pixels(0.26).width(), "scale 3/8 for a minimum above 1/4");
        // the default limits (16 M pixels decoded) take the largest scale within them: 4/8, 4000 x 3000
        assertEquals(4000, ImageDecoding.open(f, ImageDecoding.Decoder.TURBOJPEG).pixels(1).width());
    }

    @Test
    void corruptAndTruncatedFilesFailInBothDecodersWithLibjpegsReason() throws IOException {
        byte[] good = writeJpeg(photo(120, 90, 2), false);
        Path truncated = file("truncated.jpg", Arrays.copyOf(good, good.length / 2));
        byte[] damaged = good.clone();
        for (int i = good.length / 2; i < good.length / 2 + 200; i++) damaged[i] = (byte) 0xFF;
        Path corrupt = file("corrupt.jpg", damaged);
        Path garbage = file("garbage.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3, 4});
        for (Path f : new Path[] {truncated, corrupt, garbage}) {
            for (ImageDecoding.Decoder d : new ImageDecoding.Decoder[] {ImageDecoding.Decoder.TURBOJPEG, ImageDecoding.Decoder.IMAGEIO}) {
                IOException e = assertThrows(IOException.class, () -> ImageDecoding.readRgb(f, d), f + " with " + d);
                assertFalse(e.getMessage().isBlank(), f + " with " + d + ": the reason is given");
            }
        }
        IOException t = assertThrows(IOException.class, () -> ImageDecoding.readRgb(truncated, ImageDecoding.Decoder.TURBOJPEG));
        assertTrue(t.getMessage().toLowerCase().contains("premature end"), t.getMessage());
    }

    @Test
    void extraneousBytesBeforeAMarkerAreABenignWarningInBothDecoders() throws IOException {
        byte[] good = writeJpeg(photo(64, 48, 5), false);
        assertEquals((byte) 0xD9, good[good.length - 1]);
        byte[] padded = new byte[good.length + 4];
        System.arraycopy(good, 0, padded, 0, good.length - 2);
        System.arraycopy(new byte[] {1, 2, 3, 4, (byte) 0xFF, (byte) 0xD9}, 0, padded, good.length - 2, 6);
        Path f = file("extraneous.jpg", padded);
        assertSamePixels(f, 64, 48);
        assertArrayEquals(ImageDecoding.readRgb(f, ImageDecoding.Decoder.IMAGEIO).data(),
                ImageDecoding.readRgb(file("good.jpg", good), ImageDecoding.Decoder.IMAGEIO).data());
        assertTrue(TurboJpeg.isBenignWarning("Corrupt JPEG data: 4 extraneous bytes before marker 0xd9"));
        assertFalse(TurboJpeg.isBenignWarning("Premature end of JPEG file"));
        assertTrue(TurboJpeg.meansDamagedData("Corrupt JPEG data: premature end of data segment"));
        assertFalse(TurboJpeg.meansDamagedData("Corrupt JPEG data: 4 extraneous bytes before marker 0xd9"));
    }

    @Test
    void folderSkipsTheSameDamagedFilesWithEitherDecoder() throws IOException {
        byte[] good = writeJpeg(photo(60, 40, 4), false);
        Files.createDirectories(dir.resolve("d/train/a"));
        Files.write(dir.resolve("d/train/a/0.jpg"), good);
        Files.write(dir.resolve("d/train/a/1.jpg"), Arrays.copyOf(good, good.length / 2));
        Files.write(dir.resolve("d/train/a/2.jpg"), good);
        for (ImageDecoding.Decoder d : new ImageDecoding.Decoder[] {ImageDecoding.Decoder.TURBOJPEG, ImageDecoding.Decoder.IMAGEIO}) {
            ImageFolder folder = ImageFolder.train(dir.resolve("d")).withDecoder(d);
            FloatImage substitute = folder.load(1).image();
            assertArrayEquals(folder.load(2).image().data(), substitute.data(), 0f, d + ": the truncated file is replaced by the next");
            assertEquals(1, folder.skippedImages().get(), d.toString());
        }
    }
}
