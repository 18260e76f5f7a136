package dev.jmamba.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.curves.CurvePng;
import dev.jmamba.curves.Locality;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.curves.UnknownOrderException;
import dev.jmamba.curves.UnsupportedGridException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba curves}: shows a scan order (image → token sequence permutation) as a text grid,
 * one JSON line or a PNG picture, or prints the locality table of the main orders.
 */
@Command(name = "curves", mixinStandardHelpOptions = true,
        description = {"Scan orders (raster, snake, zigzag, Hilbert, Moore, Peano, LocalMamba windows, ...) of an HxW grid.",
                "Names: raster column snake snake-col zigzag hilbert moore peano window2 window7 windowK,",
                "each optionally followed by suffixes -rev -t -hflip -vflip (e.g. hilbert-t-rev)."})
public final class CurvesCommand implements Runnable {
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,9})(?:[xX]([0-9]{1,9}))?");
    /** Largest grid of --stats: the metrics cost about O(L log L) and take about 10 s for all orders at 1024x1024. */
    static final long MAX_STATS_CELLS = 1L << 20;
    /** Largest grid side printed as a text grid. */
    private static final int MAX_TEXT_SIDE = 32;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--order"}, paramLabel = "NAME", description = "Scan order name, e.g. hilbert, window7-rev.")
    String order;

    @Option(names = {"-s", "--size"}, paramLabel = "HxW", description = "Grid size as HxW (rows x columns), or N for NxN.")
    String size;

    @Option(names = "--json", description = "Print one JSON line {\"order\":..,\"h\":..,\"w\":..,\"perm\":[..]}.")
    boolean json;

    @Option(names = "--png", paramLabel = "FILE", description = "Write a picture of the path to FILE.")
    Path png;

    @Option(names = "--stats", description = "Print the locality table of the main orders (for --size up to 1024x1024 cells, or 14x14 and 56x56). GL marked >= is a lower bound (its search hit its work bound).")
    boolean stats;

    @Override public void run() {
        PrintWriter out = spec.commandLine().getOut();
        if (stats) {
            if (json || png != null) throw UserError.usage("--stats cannot be combined with --json or --png");
            printStats(out);
        } else {
            if (order == null) throw UserError.usage("missing --order NAME (e.g. --order hilbert); or use --stats");
            if (size == null) throw UserError.usage("missing --size HxW (e.g. --size 14x14)");
            int[] hw = parseSize(size);
            ScanOrder scan = lookup(order, hw[0], hw[1]);
            if (json) out.println(toJson(scan));
            if (png != null) writePng(scan, png);
            if (!json) {
                printGrid(out, scan);
                if (png != null) out.println("wrote " + png);
            }
        }
        out.flush();
    }

    /** Parses "HxW" (or "N" for a square) into {H, W}; a usage error otherwise. */
    static int[] parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw UserError.usage("bad --size '" + text + "': expected HxW with positive integers, e.g. 14x14 or 7x12");
        }
        int h = Integer.parseInt(m.group(1));
        int w = m.group(2) == null ? h : Integer.parseInt(m.group(2));
        if (h < 1 || w < 1) throw UserError.usage("bad --size '" + text + "': both sides must be at least 1");
        return new int[] {h, w};
    }

    /** The named order, with registry failures turned into one-line user errors. */
    static ScanOrder lookup(String name, int h, int w) {
        try {
            return ScanOrders.of(name, h, w);
        } catch (UnsupportedGridException e) {
            throw UserError.runtime(e.getMessage());
        } catch (UnknownOrderException e) {
            throw UserError.usage(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw UserError.usage("bad --size " + h + "x" + w + ": " + e.getMessage());
        }
    }

    private static String toJson(ScanOrder scan) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("order", scan.name());
        obj.put("h", scan.h());
        obj.put("w", scan.w());
        obj.put("perm", scan.perm());
        try {
            return new ObjectMapper().writeValueAsString(obj);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + scan, e);
        }
    }

    private static void writePng(ScanOrder scan, Path file) {
        try {
            CurvePng.write(scan, file);
        } catch (UncheckedIOException e) {
            throw UserError.runtime(e.getMessage());
        }
    }

    /** Text grid: the step at which each cell is visited, one grid row per line. */
    private static void printGrid(PrintWriter out, ScanOrder scan) {
        out.println(scan.name() + " on " + scan.h() + "x" + scan.w() + " (step at which each cell is visited):");
        if (scan.h() > MAX_TEXT_SIDE || scan.w() > MAX_TEXT_SIDE) {
            out.println("(grid larger than " + MAX_TEXT_SIDE + "x" + MAX_TEXT_SIDE + " is not printed as text; use --json or --png)");
            return;
        }
        int width = Integer.toString(scan.length() - 1).length() + 1;
        for (int row = 0; row < scan.h(); row++) {
            StringBuilder line = new StringBuilder();
            for (int col = 0; col < scan.w(); col++) {
                line.append(String.format("%" + width + "d", scan.stepOf(row * scan.w() + col)));
            }
            out.println(line);
        }
    }

    private void printStats(PrintWriter out) {
        List<int[]> sizes = size == null ? List.of(new int[] {14, 14}, new int[] {56, 56}) : List.of(parseSize(size));
        for (int[] hw : sizes) {
            if ((long) hw[0] * hw[1] > MAX_STATS_CELLS) {
                throw UserError.usage("--stats works on grids of at most " + MAX_STATS_CELLS + " cells (e.g. 1024x1024), got " + hw[0] + "x" + hw[1]);
            }
        }
        List<String> names = new ArrayList<>(ScanOrders.MAIN_ORDERS);
        if (order != null && !names.contains(order)) names.add(order);
        for (int[] hw : sizes) {
            List<ScanOrder> orders = new ArrayList<>();
            List<String> undefined = new ArrayList<>();
            for (String name : names) {
                try {
                    orders.add(ScanOrders.of(name, hw[0], hw[1]));
                } catch (UnsupportedGridException e) {
                    if (name.equals(order)) throw UserError.runtime(e.getMessage());
                    undefined.add(name);
                } catch (IllegalArgumentException e) {
                    lookup(name, hw[0], hw[1]); // rethrows as a user error
                }
            }
            out.println("Locality of scan orders on " + hw[0] + "x" + hw[1]
                    + (undefined.isEmpty() ? "" : " (not defined for this size: " + String.join(", ", undefined) + ")"));
            out.println();
            out.print(Locality.markdownTable(orders));
            out.println();
        }
    }
}
