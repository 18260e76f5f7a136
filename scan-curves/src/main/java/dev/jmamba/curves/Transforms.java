package dev.jmamba.curves;

/**
 * Transforms that turn one scan order into another: reverse, transpose, horizontal flip and
 * vertical flip. Each returns a new {@link ScanOrder} whose name is the input's name plus the
 * registry suffix ({@code -rev}, {@code -t}, {@code -hflip}, {@code -vflip}).
 */
public final class Transforms {
    private Transforms() {}

    /** The same cells visited last-to-first. */
    public static ScanOrder reverse(ScanOrder order) {
        int n = order.length();
        int[] perm = new int[n];
        for (int step = 0; step < n; step++) perm[step] = order.cellAt(n - 1 - step);
        return new ScanOrder(order.name() + "-rev", order.h(), order.w(), perm);
    }

    /**
     * Reads an order of an A×B grid as an order of the transposed B×A grid: the cell (row r, col c)
     * visited by {@code order} becomes the cell (row c, col r). So {@code transpose(raster on W×H)}
     * is the column-major order on H×W. The result has {@code h = order.w()}, {@code w = order.h()}.
     */
    public static ScanOrder transpose(ScanOrder order) {
        int n = order.length();
        int newH = order.w();
        int newW = order.h();
        int[] perm = new int[n];
        for (int step = 0; step < n; step++) {
            int row = order.rowAt(step);
            int col = order.colAt(step);
            perm[step] = col * newW + row;
        }
        return new ScanOrder(order.name() + "-t", newH, newW, perm);
    }

    /** Mirror left-right: column c becomes W-1-c. */
    public static ScanOrder horizontalFlip(ScanOrder order) {
        int n = order.length();
        int w = order.w();
        int[] perm = new int[n];
        for (int step = 0; step < n; step++) {
            perm[step] = order.rowAt(step) * w + (w - 1 - order.colAt(step));
        }
        return new ScanOrder(order.name() + "-hflip", order.h(), w, perm);
    }

    /** Mirror top-bottom: row r becomes H-1-r. */
    public static ScanOrder verticalFlip(ScanOrder order) {
        int n = order.length();
        int h = order.h();
        int w = order.w();
        int[] perm = new int[n];
        for (int step = 0; step < n; step++) {
            perm[step] = (h - 1 - order.rowAt(step)) * w + order.colAt(step);
        }
        return new ScanOrder(order.name() + "-vflip", h, w, perm);
    }
}
