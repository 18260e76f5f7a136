package dev.jmamba.vision.scan2d;

import dev.jmamba.curves.ScanOrder;
import dev.jmamba.tensor.JmambaException;

import java.util.List;

/**
 * K scan orders of one H×W grid as plain int arrays, checked to share the grid.
 *
 * @param h        grid rows
 * @param w        grid columns
 * @param perms    (K, L) flat cell {@code row*W+col} visited at each step of order k
 * @param inverses (K, L) step of order k at which each cell is visited
 */
public record OrderTable(int h, int w, int[][] perms, int[][] inverses) {

    /** The number of orders K. */
    public int directions() { return perms.length; }

    /** L = H·W. */
    public int length() { return h * w; }

    /** Builds the table; throws unless there is at least one order and all share {@code h}×{@code w}. */
    public static OrderTable of(List<ScanOrder> orders, int h, int w) {
        if (orders == null || orders.isEmpty()) {
            throw new JmambaException("cross scan: need at least one scan order, got " + (orders == null ? "null" : "none"));
        }
        int k = orders.size();
        int[][] perms = new int[k][], inverses = new int[k][];
        for (int i = 0; i < k; i++) {
            ScanOrder o = orders.get(i);
            if (o.h() != h || o.w() != w) {
                throw new JmambaException("cross scan: order " + i + " ('" + o.name() + "') is for a " + o.h() + "x"
                        + o.w() + " grid, but the feature map is " + h + "x" + w);
            }
            perms[i] = o.perm();
            inverses[i] = o.inverse();
        }
        return new OrderTable(h, w, perms, inverses);
    }
}
