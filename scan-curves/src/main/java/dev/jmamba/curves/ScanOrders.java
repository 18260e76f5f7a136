package dev.jmamba.curves;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Registry of scan orders by name, with a thread-safe cache per (name, H, W) (least recently used
 * entries are dropped beyond {@value #CACHE_CAPACITY} entries; orders are immutable, so sharing is safe).
 *
 * <p>Base names: {@code raster}, {@code column}, {@code snake}, {@code snake-col}, {@code zigzag},
 * {@code hilbert} (alias {@code gilbert}), {@code moore}, {@code peano}, {@code windowK} for any
 * K ≥ 1 (e.g. {@code window2}, {@code window7}). Any number of suffixes may follow, applied left
 * to right: {@code -rev} (reverse), {@code -t} (transpose), {@code -hflip}, {@code -vflip}; e.g.
 * {@code hilbert-t-rev} is the reverse of the transposed Hilbert order.
 */
public final class ScanOrders {
    private ScanOrders() {}

    /** The base names (window sizes other than 2 and 7 are also accepted as {@code windowK}). */
    public static final List<String> BASE_NAMES = List.of(
            "raster", "column", "snake", "snake-col", "zigzag", "hilbert", "gilbert", "moore", "peano", "window2", "window7", "windowK");

    /** Suffixes that may follow a base name, any number of times. */
    public static final List<String> SUFFIXES = List.of("-rev", "-t", "-hflip", "-vflip");

    /** Orders shown in the locality table (those undefined for a size are left out there). */
    public static final List<String> MAIN_ORDERS = List.of(
            "raster", "column", "snake", "snake-col", "zigzag", "hilbert", "moore", "peano", "window2", "window7");

    private static final Pattern WINDOW = Pattern.compile("window([0-9]{1,6})");
    /** Most (name, H, W) entries kept; the least recently used entry is dropped beyond this. */
    static final int CACHE_CAPACITY = 512;
    private static final Map<String, ScanOrder> CACHE = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override protected boolean removeEldestEntry(Map.Entry<String, ScanOrder> eldest) {
                    return size() > CACHE_CAPACITY;
                }
            });

    /**
     * The order called {@code name} on an h×w grid (cached; the returned object is immutable).
     *
     * @throws UnknownOrderException    when the name is not a valid order name
     * @throws UnsupportedGridException when the curve is not defined for h×w (moore, peano)
     * @throws IllegalArgumentException when h or w is below 1 or the grid is too large
     */
    public static ScanOrder of(String name, int h, int w) {
        if (h < 1 || w < 1) throw new IllegalArgumentException("grid must be at least 1x1, got " + h + "x" + w);
        if ((long) h * w > (1 << 28)) throw new IllegalArgumentException("grid " + h + "x" + w + " is too large (at most 2^28 cells)");
        if (name == null || name.isEmpty()) throw unknown(String.valueOf(name));
        String key = name + "@" + h + "x" + w;
        ScanOrder cached = CACHE.get(key);
        if (cached != null) return cached;
        // Built outside the map: a build may recurse into of() for the inner order.
        ScanOrder built = build(name, h, w);
        ScanOrder raced = CACHE.putIfAbsent(key, built);
        return raced != null ? raced : built;
    }

    /** True when {@code name} is a syntactically valid order name (it may still be undefined for some sizes). */
    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty()) return false;
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                return isValidName(name.substring(0, name.length() - suffix.length()));
            }
        }
        return isBaseName(name);
    }

    /** VMamba's four cross-scan directions in order 0..3: raster, column, raster-rev, column-rev (vmamba spec §1). */
    public static List<ScanOrder> vmambaCrossScan(int h, int w) {
        return List.of(of("raster", h, w), of("column", h, w), of("raster-rev", h, w), of("column-rev", h, w));
    }

    /**
     * LocalMamba's eight candidate directions keyed by their LocalMamba names, in its canonical
     * order: h, h_flip, v, v_flip, w2, w2_flip, w7, w7_flip (localmamba spec §1; window orders
     * drop the padding, see {@link WindowOrder}).
     */
    public static Map<String, ScanOrder> localMambaCandidates(int h, int w) {
        Map<String, ScanOrder> set = new LinkedHashMap<>();
        set.put("h", of("raster", h, w));
        set.put("h_flip", of("raster-rev", h, w));
        set.put("v", of("column", h, w));
        set.put("v_flip", of("column-rev", h, w));
        set.put("w2", of("window2", h, w));
        set.put("w2_flip", of("window2-rev", h, w));
        set.put("w7", of("window7", h, w));
        set.put("w7_flip", of("window7-rev", h, w));
        return set;
    }

    private static ScanOrder build(String name, int h, int w) {
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                String inner = name.substring(0, name.length() - suffix.length());
                if (!isValidName(inner)) throw unknown(name);
                return switch (suffix) {
                    case "-rev" -> Transforms.reverse(of(inner, h, w));
                    case "-t" -> Transforms.transpose(of(inner, w, h));
                    case "-hflip" -> Transforms.horizontalFlip(of(inner, h, w));
                    default -> Transforms.verticalFlip(of(inner, h, w));
                };
            }
        }
        return new ScanOrder(name, h, w, basePerm(name, h, w));
    }

    private static int[] basePerm(String name, int h, int w) {
        switch (name) {
            case "raster": return LinearOrders.raster(h, w);
            case "column": return LinearOrders.column(h, w);
            case "snake": return LinearOrders.snakeRows(h, w);
            case "snake-col": return LinearOrders.snakeColumns(h, w);
            case "zigzag": return LinearOrders.zigzag(h, w);
            case "hilbert", "gilbert": return Gilbert.order(h, w);
            case "moore": return Moore.order(h, w);
            case "peano": return Peano.order(h, w);
            default:
                Matcher m = WINDOW.matcher(name);
                if (m.matches() && Integer.parseInt(m.group(1)) >= 1) {
                    return WindowOrder.order(h, w, Integer.parseInt(m.group(1)));
                }
                throw unknown(name);
        }
    }

    private static boolean isBaseName(String name) {
        if (BASE_NAMES.contains(name) && !name.equals("windowK")) return true;
        Matcher m = WINDOW.matcher(name);
        return m.matches() && Integer.parseInt(m.group(1)) >= 1;
    }

    private static UnknownOrderException unknown(String name) {
        return new UnknownOrderException("unknown scan order '" + name + "'; valid names are "
                + String.join(", ", BASE_NAMES) + " (K = window size >= 1), each optionally followed by any of the suffixes "
                + String.join(" ", SUFFIXES) + " (e.g. hilbert-t-rev)");
    }
}
