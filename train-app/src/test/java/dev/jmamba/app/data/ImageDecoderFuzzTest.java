package dev.jmamba.app.data;

import dev.jmamba.vision.image.BoundedImageReader;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageLimits;
import org.junit.jupiter.api.Test;

import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded corruption of JPEG, PNG, BMP and GIF bytes (truncation, flipped bytes, overwritten runs,
 * inserted and deleted bytes, a forged header size): every case either decodes to a well-formed
 * (3, H, W) image within the limits with values in [0, 1], or fails with an IOException carrying a
 * message. Nothing else may escape (no unchecked exception, no Error), and no case may hang.
 */
class ImageDecoderFuzzTest {
    private static final int CASES_PER_FORMAT = 150;
    /** Small limits so that a forged header cannot make a case allocate much (the check under test). */
    private static final ImageLimits LIMITS = new ImageLimits(1 << 22, 1 << 20);

    @Test void corruptedImagesDecodeOrFailWithAnIOException() {
        Map<String, int[]> outcomes = new LinkedHashMap<>();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (String format : new String[] {"jpg", "png", "bmp", "gif"}) {
                byte[] valid = TestImages.encode(TestImages.random(64, 48, format.hashCode()), format);
                SplittableRandom rng = new SplittableRandom(20 + format.hashCode());
                int[] counts = new int[2];
                for (int c = 0; c < CASES_PER_FORMAT; c++) {
                    byte[] bad = corrupt(valid, rng, c);
                    try {
                        BufferedImage img = BoundedImageReader.read(stream(bad), LIMITS);
                        FloatImage f = ImageDecoding.toRgb(img);
                        assertEquals(3, f.channels());
                        assertTrue(f.height() >= 1 && f.width() >= 1 && (long) f.height() * f.width() <= LIMITS.decodePixels(), format + " case " + c);
                        for (float v : f.data()) assertTrue(v >= 0 && v <= 1, format + " case " + c + ": value " + v);
                        counts[0]++;
                    } catch (IOException e) {
                        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), format + " case " + c + ": IOException without a message");
                        counts[1]++;
                    } catch (Throwable t) {
                        fail(format + " case " + c + " (" + kind(c) + "): " + t, t);
                    }
                }
                outcomes.put(format, counts);
            }
        });
        System.out.println("decoded / refused per format: " + outcomes.entrySet().stream().map(e -> e.getKey() + " " + Arrays.toString(e.getValue())).toList());
        for (var e : outcomes.entrySet()) {
            assertTrue(e.getValue()[1] > 0, e.getKey() + ": some corruptions must be detected: " + Arrays.toString(e.getValue()));
        }
    }

    private static ImageInputStream stream(byte[] bytes) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
    }

    private static String kind(int c) {
        return switch (c % 6) {
            case 0 -> "truncated";
            case 1 -> "flipped bytes";
            case 2 -> "overwritten run";
            case 3 -> "inserted bytes";
            case 4 -> "deleted bytes";
            default -> "forged size";
        };
    }

    /** One corruption of {@code valid}, chosen by {@code c % 6}. */
    private static byte[] corrupt(byte[] valid, SplittableRandom rng, int c) {
        byte[] b = valid.clone();
        int n = b.length;
        switch (c % 6) {
            case 0 -> b = Arrays.copyOf(b, rng.nextInt(1, n));
            case 1 -> {
                for (int k = rng.nextInt(1, 20); k > 0; k--) b[rng.nextInt(n)] ^= (byte) (1 << rng.nextInt(8));
            }
            case 2 -> {
                int at = rng.nextInt(n), len = Math.min(n - at, rng.nextInt(1, 64));
                for (int i = 0; i < len; i++) b[at + i] = (byte) rng.nextInt(256);
            }
            case 3 -> {
                int at = rng.nextInt(n), len = rng.nextInt(1, 32);
                byte[] out = new byte[n + len];
                System.arraycopy(b, 0, out, 0, at);
                for (int i = 0; i < len; i++) out[at + i] = (byte) rng.nextInt(256);
                System.arraycopy(b, at, out, at + len, n - at);
                b = out;
            }
            case 4 -> {
                int at = rng.nextInt(n), len = Math.min(n - at, rng.nextInt(1, 32));
                byte[] out = new byte[n - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, n - at - len);
                b = out;
            }
            default -> {
                // a size field in the first 64 bytes set to a large value (where the format keeps it)
                int at = rng.nextInt(Math.min(60, n - 4));
                b[at] = (byte) 0x7f;
                b[at + 1] = (byte) rng.nextInt(256);
            }
        }
        return b;
    }
}
