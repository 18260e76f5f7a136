package dev.jmamba.curves;

/**
 * LocalMamba's local window scan "wK" (localmamba spec §1): the grid is cut into K×K windows,
 * windows are visited in row-major order over the window grid and the cells inside each window
 * in row-major order.
 *
 * <p>Borders: when K does not divide H or W, LocalMamba pads the grid with zeros to a multiple
 * of K and scans the padded grid. Our orders must be bijections over the H*W real cells, so the
 * padded cells are simply dropped: the border windows are partial, and their real cells are
 * visited in the same relative order as in the padded scan. Equivalently, the real cells are
 * sorted by their padded sequence index {@code ((wy*Wg + wx)*K + iy)*K + ix}. On exact multiples
 * of K this is the LocalMamba permutation itself.
 */
final class WindowOrder {
    private WindowOrder() {}

    /** (H*W) permutation of flat indices {@code row*W+col} for window size k ≥ 1. */
    static int[] order(int h, int w, int k) {
        if (k < 1) throw new IllegalArgumentException("window size must be >= 1, got " + k);
        int windowsDown = Math.ceilDiv(h, k);
        int windowsAcross = Math.ceilDiv(w, k);
        int[] perm = new int[h * w];
        int step = 0;
        for (int wy = 0; wy < windowsDown; wy++) {
            for (int wx = 0; wx < windowsAcross; wx++) {
                int rowEnd = Math.min(h, (wy + 1) * k);
                int colEnd = Math.min(w, (wx + 1) * k);
                for (int row = wy * k; row < rowEnd; row++) {
                    for (int col = wx * k; col < colEnd; col++) perm[step++] = row * w + col;
                }
            }
        }
        return perm;
    }
}
