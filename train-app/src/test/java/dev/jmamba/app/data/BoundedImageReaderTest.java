package dev.jmamba.app.data;

import dev.jmamba.vision.image.BoundedImageReader;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Size checked from the header, large images subsampled, truncated and damaged files refused with a plain reason. */
class BoundedImageReaderTest {
    @TempDir Path tmp;

    @Test void subsamplingIsTheSmallestStepWithinTheBudget() {
        ImageLimits l = new ImageLimits(1_000_000, 1000);
        assertEquals(1, l.subsampling(40, 25));          // 1000 pixels: no subsampling
        assertEquals(2, l.subsampling(40, 26));          // 1040 > 1000; 20 x 13 = 260
        assertEquals(3, l.subsampling(100, 80));         // s = 2 gives 50 x 40 = 2000; s = 3 gives 34 x 27 = 918
        assertEquals(1000, l.subsampling(1_000_000, 1)); // one long row: 1000 x 1
        assertTrue(l.accepts(1000, 1000));
        assertTrue(!l.accepts(1001, 1000));
        assertEquals(10, new ImageLimits(10, 100).decodePixels(), "decodePixels is at most maxPixels");
    }

    @Test void aDecompressionBombIsRefusedFromItsHeader() throws Exception {
        Path bomb = tmp.resolve("bomb.png");
        Files.write(bomb, TestImages.grayPng(30000, 30000, 2)); // the header alone claims 900 megapixels
        IOException e = assertThrows(IOException.class, () -> ImageDecoding.readRgb(bomb));
        assertTrue(e.getMessage().startsWith("the image is 30000x30000 = 900,000,000 pixels, more than the limit of 178,956,970"), e.getMessage());
        // a real (complete) bomb under a smaller limit: refused just the same, without decoding it
        Path full = tmp.resolve("full.png");
        Files.write(full, TestImages.grayPng(3000, 3000, 3000));
        long t0 = System.nanoTime();
        IOException small = assertThrows(IOException.class, () -> ImageDecoding.readRgb(full, new ImageLimits(4_000_000, 1_000_000)));
        assertTrue(small.getMessage().contains("3000x3000"), small.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused from the header, not after inflating 9 MB");
    }

    @Test void largeImagesAreDecodedSubsampled() throws Exception {
        BufferedImage img = TestImages.random(100, 80, 7);
        Path png = tmp.resolve("big.png");
        ImageIO.write(img, "png", png.toFile());
        FloatImage full = ImageDecoding.readRgb(png);
        FloatImage sub = ImageDecoding.readRgb(png, new ImageLimits(1_000_000, 1000));
        assertEquals(3, sub.channels());
        assertEquals(27, sub.height());
        assertEquals(34, sub.width());
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < sub.height(); y++) {
                for (int x = 0; x < sub.width(); x++) assertEquals(full.get(c, 3 * y, 3 * x), sub.get(c, y, x), "pixel (" + c + ", " + y + ", " + x + ")");
            }
        }
    }

    @Test void aTruncatedJpegIsAnErrorNotGrayFill() throws Exception {
        byte[] jpeg = TestImages.encode(TestImages.random(120, 90, 3), "jpg");
        Path whole = tmp.resolve("whole.jpg"), cut = tmp.resolve("cut.jpg");
        Files.write(whole, jpeg);
        Files.write(cut, Arrays.copyOf(jpeg, jpeg.length / 2));
        assertEquals(120, ImageDecoding.readRgb(whole).width());
        IOException e = assertThrows(IOException.class, () -> ImageDecoding.readRgb(cut));
        assertTrue(e.getMessage().startsWith("the image data are truncated"), e.getMessage());
    }

    @Test void eachUnreadableFileGetsAPlainReason() throws Exception {
        assertEquals("file not found", assertThrows(IOException.class, () -> ImageDecoding.readRgb(tmp.resolve("none.png"))).getMessage());
        assertEquals("is a folder, not an image file", assertThrows(IOException.class, () -> ImageDecoding.readRgb(tmp)).getMessage());
        Path text = Files.writeString(tmp.resolve("notes.png"), "not an image");
        assertEquals("no image decoder recognises the file", assertThrows(IOException.class, () -> ImageDecoding.readRgb(text)).getMessage());
        Path empty = Files.write(tmp.resolve("empty.jpg"), new byte[0]);
        assertEquals("no image decoder recognises the file", assertThrows(IOException.class, () -> ImageDecoding.readRgb(empty)).getMessage());
        byte[] png = TestImages.encode(TestImages.random(50, 40, 1), "png");
        Path cutPng = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        assertTrue(assertThrows(IOException.class, () -> ImageDecoding.readRgb(cutPng)).getMessage().contains("PNG"));
    }
}
