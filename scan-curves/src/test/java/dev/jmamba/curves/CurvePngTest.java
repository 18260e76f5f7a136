package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PNG rendering: size, markers, path colours, and a small file on disk. */
class CurvePngTest {

    @Test void rendersGridPathAndMarkers() {
        ScanOrder order = ScanOrders.of("hilbert", 16, 16);
        BufferedImage image = CurvePng.render(order);
        int cell = CurvePng.cellPixels(16, 16);
        int margin = cell / 2;
        assertEquals(16 * cell + 2 * margin, image.getWidth());
        assertEquals(16 * cell + 2 * margin, image.getHeight());
        // start marker (black disc) at the centre of cell (0,0); end marker (black square) at (15,0)
        assertEquals(0x000000, image.getRGB(margin + cell / 2, margin + cell / 2) & 0xFFFFFF);
        assertEquals(0x000000, image.getRGB(margin + 15 * cell + cell / 2, margin + cell / 2) & 0xFFFFFF);
        // a cell centre in the middle of the path is coloured (neither white nor grey)
        int step = 100;
        int rgb = image.getRGB(margin + order.colAt(step) * cell + cell / 2, margin + order.rowAt(step) * cell + cell / 2);
        int r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
        assertTrue(Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 100, "path pixel is not saturated: " + Integer.toHexString(rgb));
        // the page corner is white background
        assertEquals(0xFFFFFF, image.getRGB(0, 0) & 0xFFFFFF);
    }

    @Test void sixtyFourCellsStayReadableAndFilesAreSmall(@TempDir Path dir) throws Exception {
        assertEquals(10, CurvePng.cellPixels(64, 64));
        assertEquals(32, CurvePng.cellPixels(3, 5));
        Path file = dir.resolve("sub/hilbert.png");
        CurvePng.write(ScanOrders.of("hilbert", 14, 14), file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(14 * 32 + 32, back.getWidth());
        assertTrue(back.getColorModel() instanceof java.awt.image.IndexColorModel, "written with a palette");
        // palette conversion keeps the markers black and the background white
        assertEquals(0x000000, back.getRGB(16 + 16, 16 + 16) & 0xFFFFFF);
        assertEquals(0xFFFFFF, back.getRGB(0, 0) & 0xFFFFFF);
        assertTrue(Files.size(file) < 40_000, "PNG too large: " + Files.size(file));
    }
}
