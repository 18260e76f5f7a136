package dev.jmamba.app.train;

import dev.jmamba.app.AppRun;
import dev.jmamba.app.data.TestImages;
import dev.jmamba.app.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decompression bomb, a truncated JPEG and a text file among the images: training skips and counts
 * each (one warning naming the file) and finishes; predict reports each and classifies the rest.
 */
class BadImagesTest {
    @TempDir Path tmp;

    @Test void badImagesAreSkippedCountedAndNamedInTrainAndPredict() throws Exception {
        Path data = tmp.resolve("folder");
        for (String split : List.of("train", "val")) {
            for (int c = 0; c < 2; c++) {
                Path dir = Files.createDirectories(data.resolve(split).resolve("class" + c));
                for (int i = 0; i < 6; i++) {
                    BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) img.setRGB(x, y, c == 0 ? (x * 12) << 16 : (y * 12) << 8);
                    ImageIO.write(img, "png", dir.resolve("img" + i + ".png").toFile());
                }
            }
        }
        Path bomb = data.resolve("train/class0/bomb.png"), cut = data.resolve("train/class1/cut.jpg"), text = data.resolve("train/class1/text.jpg");
        Files.write(bomb, TestImages.grayPng(30000, 30000, 4));
        byte[] jpeg = TestImages.encode(TestImages.random(40, 30, 5), "jpg");
        Files.write(cut, Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.writeString(text, "hello");
        Path out = tmp.resolve("run");
        AppRun.Result r = AppRun.run("train", "--data", data.toString(), "--model", "tiny-cnn", "--resolution", "16", "--batch-size", "5",
                "--epochs", "1", "--device", "cpu", "--workers", "2", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("jmamba: warning: skipping unreadable image " + bomb + ": the image is 30000x30000"), r.err());
        assertTrue(r.err().contains("skipping unreadable image " + cut + ": the image data are truncated"), r.err());
        assertTrue(r.err().contains("skipping unreadable image " + text + ": no image decoder recognises the file"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertTrue(r.out().contains("3 unreadable images were skipped"), r.out());
        List<Map<String, Object>> evals = MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(m -> "eval".equals(m.get("type"))).toList();
        assertEquals(3.0, MetricsLog.number(evals.getLast(), "skipped_images"), evals.toString());

        Path good = data.resolve("val/class0/img0.png");
        AppRun.Result p = AppRun.run("predict", "--checkpoint", out.toString(), "--device", "cpu", bomb.toString(), good.toString(), cut.toString());
        assertEquals(0, p.exitCode(), p.err());
        assertTrue(p.out().strip().startsWith(good + ": class"), p.out());
        assertEquals(1, p.out().strip().lines().count(), p.out());
        assertTrue(p.err().contains("jmamba predict: skipping " + bomb + ": the image is 30000x30000"), p.err());
        assertTrue(p.err().contains("jmamba predict: skipping " + cut + ": the image data are truncated"), p.err());
        AppRun.Result none = AppRun.run("predict", "--checkpoint", out.toString(), "--device", "cpu", bomb.toString());
        assertEquals(1, none.exitCode());
        assertTrue(none.err().strip().endsWith("jmamba predict: none of the 1 images could be read"), none.err());
    }
}
