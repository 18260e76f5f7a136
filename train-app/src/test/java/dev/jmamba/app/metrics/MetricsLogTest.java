package dev.jmamba.app.metrics;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

    @TempDir Path dir;

    @Test
    void writesOneParseableJsonObjectPerLineAndAppends() throws IOException {
        try (MetricsLog log = new MetricsLog(dir.resolve("run"))) {
            log.step(0, 10, 2.25, 1e-3, 512.5, Map.of("skipped_images", 2));
            log.eval(0, 10, 2.0, 31.5, 80.25, null);
        }
        try (MetricsLog log = new MetricsLog(dir.resolve("run"))) { // a resumed run appends
            log.step(1, 20, Double.NaN, 9e-4, 600, null);
        }
        List<String> lines = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
        assertEquals(3, lines.size());
        ObjectMapper json = new ObjectMapper();
        JsonNode step = json.readTree(lines.get(0));
        assertEquals("step", step.get("type").asText());
        assertEquals(10, step.get("step").asLong());
        assertEquals(2.25, step.get("train_loss").asDouble());
        assertEquals(1e-3, step.get("lr").asDouble());
        assertEquals(512.5, step.get("img_per_s").asDouble());
        assertEquals(2, step.get("skipped_images").asInt());
        JsonNode eval = json.readTree(lines.get(1));
        assertEquals(31.5, eval.get("val_top1").asDouble());
        assertEquals(80.25, eval.get("val_top5").asDouble());
        assertEquals(2.0, eval.get("val_loss").asDouble());

        List<Map<String, Object>> records = MetricsLog.read(dir.resolve("run/metrics.jsonl"));
        assertEquals(3, records.size());
        assertTrue(Double.isNaN(MetricsLog.number(records.get(2), "train_loss")));
        assertEquals(1, MetricsLog.number(records.get(2), "epoch"));
    }

    @Test
    void partialLastLineIsIgnoredButABadMiddleLineIsNot() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"type\":\"step\",\"step\":1,\"train_loss\":1.0}\n{\"type\":\"st");
        assertEquals(1, MetricsLog.read(file).size());
        Files.writeString(file, "{\"a\":1}\nnot json\n{\"a\":2}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsLog.read(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    /** A crash or a full disk can leave half a record; the next run's first record must not merge into it. */
    @Test
    void appendingAfterAPartialLastLineDropsItFirst() throws IOException {
        Path run = Files.createDirectories(dir.resolve("crashed"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"step\",\"step\":1,\"train_loss\":1.0}\n{\"type\":\"step\",\"st");
        try (MetricsLog log = new MetricsLog(run)) {
            log.step(0, 2, 0.5, 1e-3, 10, null);
        }
        List<Map<String, Object>> records = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(2, records.size(), records.toString());
        assertEquals(2, MetricsLog.number(records.get(1), "step"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"st"); // only a partial line: nothing is kept
        try (MetricsLog log = new MetricsLog(run)) {
            log.step(0, 3, 0.5, 1e-3, 10, null);
        }
        assertEquals(1, MetricsLog.read(run.resolve("metrics.jsonl")).size());
    }

    @Test
    void curvesPlotLeavesNoSideFile() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            log.step(0, 1, 2.3, 1e-3, 100, null);
        }
        CurvesPlot.write(dir);
        assertTrue(Files.isRegularFile(dir.resolve("curves.png")) && Files.notExists(dir.resolve("curves.png.part")));
        Files.createDirectories(dir.resolve("other.png"));
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> CurvesPlot.write(MetricsLog.read(dir.resolve("metrics.jsonl")), dir.resolve("other.png")));
        assertTrue(e.getMessage().endsWith("other.png: cannot write curves (is a folder)"), e.getMessage());
    }

    @Test
    void curvesPlotWritesAPng() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            for (int s = 1; s <= 30; s++) log.step(s / 10, s, 2.3 / Math.sqrt(s), 1e-3, 100, null);
            for (int e = 1; e <= 3; e++) log.eval(e, e * 10L, 2.0 / e, 20.0 * e, 50.0 + 10 * e, null);
        }
        Path png = CurvesPlot.write(dir);
        assertEquals(dir.resolve("curves.png"), png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "curves.png decodes as an image");
        assertEquals(1280, image.getWidth());
        assertEquals(420, image.getHeight());
    }

    @Test
    void curvesPlotWorksBeforeTheFirstEvaluation() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            log.step(0, 1, 2.3, 1e-3, 100, null);
        }
        assertNotNull(ImageIO.read(CurvesPlot.write(dir).toFile()));
    }

    /** The font-free drawing (used where AWT has no fonts): same size, both series' colours and text ink present. */
    @Test
    void plainCurvesNeedNoFontAndShowBothPanels() throws IOException {
        try (MetricsLog log = new MetricsLog(dir)) {
            for (int s = 1; s <= 30; s++) log.step(s / 10, s, 2.3 / Math.sqrt(s), 1e-3, 100, null);
            for (int e = 1; e <= 3; e++) log.eval(e, e * 10L, 2.0 / e, 0.2 * e, 0.5 + 0.1 * e, null);
        }
        String old = System.getProperty(CurvesPlot.PLAIN_PROPERTY);
        System.setProperty(CurvesPlot.PLAIN_PROPERTY, "true");
        BufferedImage image;
        try {
            image = ImageIO.read(CurvesPlot.write(dir).toFile());
        } finally {
            if (old == null) System.clearProperty(CurvesPlot.PLAIN_PROPERTY);
            else System.setProperty(CurvesPlot.PLAIN_PROPERTY, old);
        }
        assertEquals(PlainCurves.WIDTH, image.getWidth());
        assertEquals(PlainCurves.HEIGHT, image.getHeight());
        int first = 0, second = 0, black = 0;
        int[] leftRight = new int[2];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if (rgb == (PlainCurves.FIRST.getRGB() & 0xffffff)) { first++; leftRight[x < image.getWidth() / 2 ? 0 : 1]++; }
                if (rgb == (PlainCurves.SECOND.getRGB() & 0xffffff)) second++;
                if (rgb == 0) black++;
            }
        }
        assertTrue(first > 100 && second > 50, "series drawn: " + first + ", " + second);
        assertTrue(leftRight[0] > 0 && leftRight[1] > 0, "a series in each panel");
        assertTrue(black > 100, "titles and axis numbers drawn with the pixel font");
    }
}
