package dev.jmamba.curves;

/**
 * Peano curve on n×n grids with n = 3^k, k ≥ 0 (scan-curves spec §4): a recursive serpentine over
 * 3×3 blocks. Only 4-neighbour steps; starts at (0,0) and ends at (n−1, n−1).
 */
final class Peano {
    private Peano() {}

    /** True when the Peano curve is defined for an h×w grid. */
    static boolean defined(int h, int w) {
        if (h != w) return false;
        int n = h;
        while (n % 3 == 0) n /= 3;
        return n == 1;
    }

    /** (H*W) permutation of flat indices {@code row*W+col}; throws when not {@link #defined}. */
    static int[] order(int h, int w) {
        if (!defined(h, w)) {
            throw new UnsupportedGridException("peano", h, w, "square grids with side 3^k (1x1, 3x3, 9x9, 27x27, 81x81, ...)");
        }
        int[] xs = new int[h * w];
        int[] ys = new int[h * w];
        fill(h, xs, ys);
        int[] perm = new int[h * w];
        for (int i = 0; i < perm.length; i++) perm[i] = ys[i] * w + xs[i];
        return perm;
    }

    /** Writes the x (column) and y (row) of each step of the side-n curve into xs, ys (n*n each). */
    private static void fill(int n, int[] xs, int[] ys) {
        if (n == 1) {
            xs[0] = 0;
            ys[0] = 0;
            return;
        }
        int s = n / 3;
        int[] subX = new int[s * s];
        int[] subY = new int[s * s];
        fill(s, subX, subY);
        int step = 0;
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 3; k++) {
                int j = (i % 2 == 0) ? k : 2 - k;
                for (int t = 0; t < s * s; t++) {
                    int u = subX[t], v = subY[t];
                    xs[step] = i * s + (j % 2 == 1 ? s - 1 - u : u);
                    ys[step] = j * s + (i % 2 == 1 ? s - 1 - v : v);
                    step++;
                }
            }
        }
    }
}
