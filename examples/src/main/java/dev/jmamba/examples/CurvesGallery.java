package dev.jmamba.examples;

import dev.jmamba.curves.CurvePng;
import dev.jmamba.curves.Locality;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.curves.UnsupportedGridException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * <b>How to run:</b> {@code ./jmamba example curves-gallery [--out DIR]} (default {@code curves-gallery/})
 *
 * <p>The scan orders a vision Mamba can use to turn an H×W grid of patches into a sequence — raster
 * and column (Vim, VMamba), snake, zigzag, the generalised Hilbert curve (FractalMamba), Moore,
 * Peano, and LocalMamba's windows — drawn as PNGs for a few grid sizes, with their locality: how far
 * apart consecutive tokens are (mean jump) and how far apart in the sequence two neighbouring cells
 * land (median gap). A scan with small gaps keeps neighbours close in the recurrence, which decays
 * the state by exp(dt·A) per step. Ends by checking each picture and three locality facts.
 */
public final class CurvesGallery {
    private CurvesGallery() {}

    /** Grid sizes: a power of two (all orders), a power of three (Peano), and a non-square one. */
    static final List<int[]> SIZES = List.of(new int[] {8, 8}, new int[] {9, 9}, new int[] {12, 15});

    public static void main(String[] args) {
        run(System.out, args);
    }

    /** Writes the pictures under the output folder and returns name@HxW → locality. Throws {@link ExampleFailure} when a check fails. */
    public static Map<String, Locality> run(PrintStream out, String... args) {
        Path dir = Path.of(ExampleArgs.parse("curves-gallery", args, "out").string("out", "curves-gallery"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output folder " + dir, e);
        }
        Map<String, Locality> stats = new LinkedHashMap<>();
        for (int[] hw : SIZES) {
            out.printf("%n%dx%d grid%n%-9s %9s %10s %12s %10s%n", hw[0], hw[1], "order", "mean jump", "median gap", "gap <= 4", "non-unit");
            for (String name : ScanOrders.MAIN_ORDERS) {
                ScanOrder order;
                try {
                    order = ScanOrders.of(name, hw[0], hw[1]);
                } catch (UnsupportedGridException notHere) {
                    out.printf("%-9s (not defined on %dx%d)%n", name, hw[0], hw[1]);
                    continue;
                }
                Path png = dir.resolve(name + "-" + hw[0] + "x" + hw[1] + ".png");
                CurvePng.write(order, png);
                checkPicture(png, order);
                checkBijection(name, order);
                Locality m = Locality.of(order);
                stats.put(name + "@" + hw[0] + "x" + hw[1], m);
                out.printf("%-9s %9.3f %10d %11.0f%% %10d%n", name, m.meanJump(), m.medianGap(), 100 * m.fracGapAtMost4(), m.nonUnitSteps());
            }
        }
        out.println();
        out.printf("%d pictures written and read back under %s%n", stats.size(), dir.toAbsolutePath());
        // 1. curves that only step to a 4-neighbour: snake, Hilbert on 8x8, Moore, Peano on 9x9
        for (String key : List.of("snake@8x8", "hilbert@8x8", "moore@8x8", "peano@9x9")) {
            Checks.that(out, key + " steps only to 4-neighbours", stats.get(key).nonUnitSteps() == 0,
                    stats.get(key).nonUnitSteps() + " non-unit steps");
        }
        // 2. scan-curves/README.md: the generalised Hilbert curve on 12x15 takes exactly one diagonal step
        Checks.that(out, "hilbert@12x15 takes exactly one diagonal step", stats.get("hilbert@12x15").nonUnitSteps() == 1,
                stats.get("hilbert@12x15").nonUnitSteps() + " non-unit steps");
        // 3. locality: Hilbert keeps 4-neighbours closer in the sequence than raster (median gap 1 vs W)
        int hilbert = stats.get("hilbert@8x8").medianGap(), raster = stats.get("raster@8x8").medianGap();
        Checks.that(out, "median gap 8x8: hilbert < raster", hilbert < raster, hilbert + " < " + raster);
        return stats;
    }

    /** The PNG decodes, and is wider than the grid has columns (at least one pixel per cell). */
    private static void checkPicture(Path png, ScanOrder order) {
        try {
            BufferedImage img = ImageIO.read(png.toFile());
            if (img == null || img.getWidth() < order.w() || img.getHeight() < order.h()) {
                throw new ExampleFailure(png + " is not a picture of a " + order.h() + "x" + order.w() + " grid");
            }
        } catch (IOException e) {
            throw new ExampleFailure("cannot read back " + png + ": " + e.getMessage());
        }
    }

    /** perm visits every cell exactly once (checked here independently of ScanOrder's own validation). */
    private static void checkBijection(String name, ScanOrder order) {
        int[] sorted = order.perm();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] != i) throw new ExampleFailure(name + " on " + order.h() + "x" + order.w() + " misses cell " + i);
        }
    }
}
