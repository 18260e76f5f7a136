package dev.jmamba.app.metrics;

import dev.jmamba.io.IoMessages;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws {@code DIR/curves.png} from metrics records: on the left the loss against the step (train_loss of
 * step records, val_loss of eval records), on the right the validation top-1 and top-5 accuracy against the
 * step. Rendering is headless ({@code java.awt.headless=true}). Non-finite values are left out. Where AWT
 * has no fonts (a bare server), the same panels are drawn with a built-in pixel font ({@link PlainCurves}).
 */
public final class CurvesPlot {

    /** File name inside the output folder. */
    public static final String FILE_NAME = "curves.png";

    private CurvesPlot() {
    }

    /** Reads {@code dir/metrics.jsonl} and writes {@code dir/curves.png}; returns the PNG path. */
    public static Path write(Path dir) {
        return write(MetricsLog.read(dir.resolve(MetricsLog.FILE_NAME)), dir.resolve(FILE_NAME));
    }

    /** Writes the curves of {@code records} to {@code png}; returns it. */
    public static Path write(List<Map<String, Object>> records, Path png) {
        System.setProperty("java.awt.headless", "true");
        Path target = png.toString().endsWith(".png") ? png : Path.of(png + ".png");
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {   // written whole to a side file, then renamed: a full disk never leaves half a picture
            if (target.toAbsolutePath().getParent() != null) Files.createDirectories(target.toAbsolutePath().getParent());
            if (Files.isDirectory(target)) throw new IOException("is a folder");
            boolean drawn = !Boolean.getBoolean(PLAIN_PROPERTY) && writeXChart(records, part);
            if (!drawn) {
                try (OutputStream out = Files.newOutputStream(part)) {
                    PlainCurves.write(records, out);
                }
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // the failure below is what matters
            }
            throw new UncheckedIOException(target + ": cannot write curves (" + IoMessages.reason(e) + ")", e);
        }
        return target;
    }

    /**
     * Draws with XChart into {@code part}; false when AWT cannot render text here (no fonts on the
     * machine: "Fontconfig head is null" and the like), so the caller draws without fonts instead.
     */
    private static boolean writeXChart(List<Map<String, Object>> records, Path part) throws IOException {
        try (OutputStream out = Files.newOutputStream(part)) {
            XYChart loss = chart("Loss", "loss");
            addSeries(loss, "train_loss", records, "step", "train_loss");
            addSeries(loss, "val_loss", records, "eval", "val_loss");
            XYChart accuracy = chart("Validation accuracy", "accuracy");
            addSeries(accuracy, "val_top1", records, "eval", "val_top1");
            addSeries(accuracy, "val_top5", records, "eval", "val_top5");
            BitmapEncoder.saveBitmap(List.of(loss, accuracy), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {   // font lookup failures surface as these
            return false;
        }
    }

    /** System property: draw with the built-in pixel font ({@link PlainCurves}) even where fonts exist. */
    public static final String PLAIN_PROPERTY = "jmamba.curves.plain";

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    /** Adds the finite (step, key) points of records of {@code type} (records without a type count for both); no series when there are none. */
    private static void addSeries(XYChart chart, String name, List<Map<String, Object>> records, String type, String key) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Map<String, Object> r : records) {
            if (!type.equals(r.get("type")) && r.get("type") != null) continue;
            double x = MetricsLog.number(r, "step");
            double y = MetricsLog.number(r, key);
            if (Double.isFinite(x) && Double.isFinite(y)) {
                xs.add(x);
                ys.add(y);
            }
        }
        if (xs.isEmpty()) return;
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(xs.size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    }
}
