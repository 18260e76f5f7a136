package dev.jmamba.curves;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws a scan order as a PNG: the grid's cells with thin grey borders and the path through the
 * cell centres, each step coloured along a hue ramp (red at the start through yellow, green and
 * blue to violet at the end). Steps to a 4- or diagonal neighbour are thick; longer jumps are thin
 * and pale so they do not hide the path. The first cell is marked with a black disc, the last with a black
 * square. Files are written with a 256-colour palette (hues quantised to {@value #HUES} levels) so
 * they stay small. Works headless (no display needed); cells shrink with the grid so 64×64 stays readable.
 */
public final class CurvePng {
    private CurvePng() {}

    /** Number of distinct hues along the path (few colours keep the PNG files small). */
    static final int HUES = 64;
    private static final Color GRID = new Color(215, 215, 215);

    /** Side of one cell in pixels for an h×w grid: about 640 px for the longer side, 6..32 px per cell. */
    static int cellPixels(int h, int w) {
        return Math.clamp(640 / Math.max(h, w), 6, 32);
    }

    /** Renders the order into a new RGB image. */
    public static BufferedImage render(ScanOrder order) {
        System.setProperty("java.awt.headless", "true");
        int h = order.h(), w = order.w(), n = order.length();
        int cell = cellPixels(h, w);
        int margin = cell / 2;
        BufferedImage image = new BufferedImage(w * cell + 2 * margin, h * cell + 2 * margin, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());

            g.setColor(GRID);
            g.setStroke(new BasicStroke(1f));
            for (int row = 0; row <= h; row++) g.drawLine(margin, margin + row * cell, margin + w * cell, margin + row * cell);
            for (int col = 0; col <= w; col++) g.drawLine(margin + col * cell, margin, margin + col * cell, margin + h * cell);

            BasicStroke thick = new BasicStroke(Math.max(1.5f, cell / 5f), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
            BasicStroke thin = new BasicStroke(1f);
            for (int step = 0; step + 1 < n; step++) {
                float hue = hue(step, n);
                int dx = Math.abs(order.colAt(step + 1) - order.colAt(step));
                int dy = Math.abs(order.rowAt(step + 1) - order.rowAt(step));
                boolean jump = Math.max(dx, dy) > 1; // longer than a 4- or diagonal neighbour: thin, so it does not hide the path
                g.setStroke(jump ? thin : thick);
                g.setColor(jump ? pale(hue) : strong(hue));
                g.draw(new Line2D.Double(centreX(order, step, cell, margin), centreY(order, step, cell, margin),
                        centreX(order, step + 1, cell, margin), centreY(order, step + 1, cell, margin)));
            }

            double mark = Math.max(4, cell * 0.55);
            g.setColor(Color.BLACK);
            g.fill(new Ellipse2D.Double(centreX(order, 0, cell, margin) - mark / 2, centreY(order, 0, cell, margin) - mark / 2, mark, mark));
            g.fill(new Rectangle2D.Double(centreX(order, n - 1, cell, margin) - mark / 2, centreY(order, n - 1, cell, margin) - mark / 2, mark, mark));
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * Renders the order and writes it as a PNG file (parent folders are created). The file is opened
     * here, not by ImageIO (whose file output prints a stack trace of its own when the path is a
     * folder or not writable), so a failure is one message with the reason.
     */
    public static void write(ScanOrder order, Path file) {
        try {
            if (Files.isDirectory(file)) throw new IOException("it is a folder; give a file name such as " + file.resolve(order.name() + ".png"));
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (OutputStream out = Files.newOutputStream(file)) {
                if (!ImageIO.write(toPalette(render(order)), "png", out)) throw new IOException("no PNG writer available in this JDK");
            }
        } catch (AccessDeniedException e) {
            throw new UncheckedIOException("cannot write PNG " + file + ": permission denied", e);
        } catch (FileSystemException e) {
            throw new UncheckedIOException("cannot write PNG " + file + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write PNG " + file + ": " + e.getMessage(), e);
        }
    }

    /** Hue of the step leaving token {@code step}: red (0) to violet (0.8), quantised to HUES levels. */
    private static float hue(int step, int n) {
        int level = Math.round((HUES - 1) * step / (float) Math.max(1, n - 2));
        return 0.8f * level / (HUES - 1);
    }

    private static Color strong(float hue) { return Color.getHSBColor(hue, 0.9f, 0.85f); }

    private static Color pale(float hue) { return Color.getHSBColor(hue, 0.35f, 0.9f); }

    /**
     * Re-encodes an RGB image with a fixed palette: white, grid grey, black, and for every hue level
     * its strong colour, pale colour and the strong colour half-blended with white (anti-aliased
     * edges). Each pixel takes the nearest palette colour (squared RGB distance, no dithering).
     */
    static BufferedImage toPalette(BufferedImage rgb) {
        int size = 3 + 3 * HUES;
        byte[] r = new byte[size], g = new byte[size], b = new byte[size];
        int[] entries = new int[size];
        entries[0] = 0xFFFFFF;
        entries[1] = GRID.getRGB() & 0xFFFFFF;
        entries[2] = 0x000000;
        for (int level = 0; level < HUES; level++) {
            float hue = 0.8f * level / (HUES - 1);
            int strong = strong(hue).getRGB() & 0xFFFFFF;
            entries[3 + 3 * level] = strong;
            entries[4 + 3 * level] = pale(hue).getRGB() & 0xFFFFFF;
            entries[5 + 3 * level] = blendWithWhite(strong);
        }
        for (int i = 0; i < size; i++) {
            r[i] = (byte) (entries[i] >> 16);
            g[i] = (byte) (entries[i] >> 8);
            b[i] = (byte) entries[i];
        }
        BufferedImage indexed = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, size, r, g, b));
        Map<Integer, Integer> nearestOf = new HashMap<>();
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                int pixel = rgb.getRGB(x, y) & 0xFFFFFF;
                int index = nearestOf.computeIfAbsent(pixel, p -> nearest(p, entries));
                indexed.getRaster().setSample(x, y, 0, index);
            }
        }
        return indexed;
    }

    private static int blendWithWhite(int rgb) {
        int red = ((rgb >> 16) & 255) + 255, green = ((rgb >> 8) & 255) + 255, blue = (rgb & 255) + 255;
        return ((red / 2) << 16) | ((green / 2) << 8) | (blue / 2);
    }

    private static int nearest(int rgb, int[] entries) {
        int best = 0;
        long bestDistance = Long.MAX_VALUE;
        for (int i = 0; i < entries.length; i++) {
            long dr = ((rgb >> 16) & 255) - ((entries[i] >> 16) & 255);
            long dg = ((rgb >> 8) & 255) - ((entries[i] >> 8) & 255);
            long db = (rgb & 255) - (entries[i] & 255);
            long distance = dr * dr + dg * dg + db * db;
            if (distance < bestDistance) {
                bestDistance = distance;
                best = i;
            }
        }
        return best;
    }

    private static double centreX(ScanOrder order, int step, int cell, int margin) {
        return margin + (order.colAt(step) + 0.5) * cell;
    }

    private static double centreY(ScanOrder order, int step, int cell, int margin) {
        return margin + (order.rowAt(step) + 0.5) * cell;
    }
}
