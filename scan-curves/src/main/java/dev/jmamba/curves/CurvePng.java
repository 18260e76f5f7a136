package dev.jmamba.curves;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Draws a scan order as a PNG: the grid's cells with thin grey borders and the path through the
 * cell centres, each step coloured along a hue ramp (red at the start through yellow, green and
 * blue to violet at the end). The first cell is marked with a black disc, the last with a black
 * square. Works headless (no display needed); cells shrink with the grid so 64×64 stays readable.
 */
public final class CurvePng {
    private CurvePng() {}

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

            g.setColor(new Color(215, 215, 215));
            g.setStroke(new BasicStroke(1f));
            for (int row = 0; row <= h; row++) g.drawLine(margin, margin + row * cell, margin + w * cell, margin + row * cell);
            for (int col = 0; col <= w; col++) g.drawLine(margin + col * cell, margin, margin + col * cell, margin + h * cell);

            g.setStroke(new BasicStroke(Math.max(1.5f, cell / 5f), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int step = 0; step + 1 < n; step++) {
                float hue = 0.8f * step / Math.max(1, n - 2);
                g.setColor(Color.getHSBColor(hue, 0.9f, 0.85f));
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

    /** Renders the order and writes it as a PNG file (parent folders are created). */
    public static void write(ScanOrder order, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (!ImageIO.write(render(order), "png", file.toFile())) {
                throw new IOException("no PNG writer available in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write PNG " + file + ": " + e.getMessage(), e);
        }
    }

    private static double centreX(ScanOrder order, int step, int cell, int margin) {
        return margin + (order.colAt(step) + 0.5) * cell;
    }

    private static double centreY(ScanOrder order, int step, int cell, int margin) {
        return margin + (order.rowAt(step) + 0.5) * cell;
    }
}
