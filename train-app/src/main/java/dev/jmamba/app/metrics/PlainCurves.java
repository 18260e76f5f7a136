package dev.jmamba.app.metrics;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The curves picture drawn without any system font: for servers where AWT finds no fonts (XChart then
 * fails with "Fontconfig head is null"). Lines and rectangles need no font; the few words and numbers
 * (titles, legend, axis ranges) are drawn with a built-in 3×5 pixel font scaled up. Same content as
 * {@link CurvesPlot}: loss against step (train_loss, val_loss) on the left, validation top-1 / top-5
 * on the right.
 */
final class PlainCurves {
    static final int WIDTH = 1280, HEIGHT = 420;
    private static final int SCALE = 2, MARGIN = 60;
    /** Series colours: train/top-1 blue, val/top-5 orange. */
    static final Color FIRST = new Color(0x1f77b4), SECOND = new Color(0xff7f0e);

    private PlainCurves() {}

    /** A named list of (x, y) points. */
    record Series(String name, double[] x, double[] y) {}

    /** Writes the two panels as PNG to {@code out}. */
    static void write(List<Map<String, Object>> records, OutputStream out) throws IOException {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            panel(g, 0, "LOSS", List.of(series(records, "train_loss", "step", "train_loss"), series(records, "val_loss", "eval", "val_loss")));
            panel(g, WIDTH / 2, "VAL ACCURACY", List.of(series(records, "top-1", "eval", "val_top1"), series(records, "top-5", "eval", "val_top5")));
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer available");
    }

    static Series series(List<Map<String, Object>> records, String name, String type, String key) {
        List<double[]> points = new ArrayList<>();
        for (Map<String, Object> r : records) {
            if (!type.equals(r.get("type")) && r.get("type") != null) continue;
            double x = MetricsLog.number(r, "step"), y = MetricsLog.number(r, key);
            if (Double.isFinite(x) && Double.isFinite(y)) points.add(new double[] {x, y});
        }
        double[] xs = new double[points.size()], ys = new double[points.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = points.get(i)[0];
            ys[i] = points.get(i)[1];
        }
        return new Series(name, xs, ys);
    }

    private static void panel(Graphics2D g, int left, String title, List<Series> series) {
        int x0 = left + MARGIN, y0 = 40, w = WIDTH / 2 - 2 * MARGIN, h = HEIGHT - 100;
        text(g, title, x0, 12, Color.BLACK);
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY, minY = minX, maxY = maxX;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                minX = Math.min(minX, s.x()[i]);
                maxX = Math.max(maxX, s.x()[i]);
                minY = Math.min(minY, s.y()[i]);
                maxY = Math.max(maxY, s.y()[i]);
            }
        }
        g.setColor(Color.GRAY);
        g.drawRect(x0, y0, w, h);
        if (minX > maxX) {
            text(g, "NO DATA", x0 + w / 2 - 40, y0 + h / 2, Color.GRAY);
            return;
        }
        if (maxX == minX) maxX = minX + 1;
        if (maxY == minY) maxY = minY + 1;
        text(g, number(maxY), left + 4, y0, Color.BLACK);
        text(g, number(minY), left + 4, y0 + h - 10, Color.BLACK);
        text(g, number(minX), x0, y0 + h + 8, Color.BLACK);
        text(g, number(maxX), x0 + w - 6 * 4 * SCALE, y0 + h + 8, Color.BLACK);
        text(g, "STEP", x0 + w / 2 - 16, y0 + h + 8, Color.BLACK);
        Color[] colours = {FIRST, SECOND};
        g.setStroke(new BasicStroke(2f));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            g.setColor(colours[k % 2]);
            int px = -1, py = -1;
            for (int i = 0; i < s.x().length; i++) {
                int x = x0 + (int) Math.round((s.x()[i] - minX) / (maxX - minX) * w);
                int y = y0 + h - (int) Math.round((s.y()[i] - minY) / (maxY - minY) * h);
                if (px >= 0) g.drawLine(px, py, x, y);
                g.fillRect(x - 2, y - 2, 5, 5);
                px = x;
                py = y;
            }
            text(g, s.name().toUpperCase(Locale.ROOT), x0 + w - 120, y0 + 8 + 16 * k, colours[k % 2]);
        }
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 || v == Math.rint(v) ? "%.0f" : "%.3g", v);
    }

    /** 3×5 glyphs, rows top to bottom, '#' = ink. Characters without a glyph are drawn as blanks. */
    private static final Map<Character, String> GLYPHS = Map.ofEntries(
            Map.entry('0', "####.##.##.####"), Map.entry('1', ".#.##..#..#.###"), Map.entry('2', "###..#####..###"), Map.entry('3', "###..####..####"), Map.entry('4', "#.##.####..#..#"), Map.entry('5', "####..###..####"), Map.entry('6', "####..####.####"), Map.entry('7', "###..#..#..#..#"), Map.entry('8', "####.#####.####"), Map.entry('9', "####.####..####"), Map.entry('.', ".............#."), Map.entry('-', "......###......"), Map.entry('_', "............###"), Map.entry('A', ".#.#.#####.##.#"), Map.entry('C', "####..#..#..###"), Map.entry('D', "##.#.##.##.###."), Map.entry('E', "####..####..###"), Map.entry('I', "###.#..#..#.###"), Map.entry('L', "#..#..#..#..###"), Map.entry('N', "#.###########.#"), Map.entry('O', "####.##.##.####"), Map.entry('P', "####.#####..#.."), Map.entry('R', "##.#.###.#.##.#"), Map.entry('S', "####..###..####"), Map.entry('T', "###.#..#..#..#."), Map.entry('U', "#.##.##.##.####"), Map.entry('V', "#.##.##.##.#.#."), Map.entry('Y', "#.##.#.#..#..#."), Map.entry('+', "....#.###.#...."), Map.entry('e', "####..####..###"), Map.entry('%', "#.#..#.#.#..#.#"), Map.entry('/', "..#..#.#.#..#.."), Map.entry('K', "#.##.###.#.##.#"), Map.entry('M', "#.########.##.#"));

    /** Draws {@code s} with the built-in font, top-left at (x, y). */
    static void text(Graphics2D g, String s, int x, int y, Color colour) {
        g.setColor(colour);
        for (int i = 0; i < s.length(); i++) {
            String glyph = GLYPHS.get(s.charAt(i));
            if (glyph != null) {
                for (int r = 0; r < 5; r++) {
                    for (int c = 0; c < 3; c++) {
                        if (glyph.charAt(3 * r + c) == '#') g.fillRect(x + c * SCALE, y + r * SCALE, SCALE, SCALE);
                    }
                }
            }
            x += 4 * SCALE;
        }
    }
}
