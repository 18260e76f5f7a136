package dev.jmamba.curves;

/**
 * Moore curve: the closed variant of the Hilbert curve on n×n grids with n = 2^k, k ≥ 1
 * (scan-curves spec §3). Four Hilbert sub-curves of side m = n/2 are rotated so that the path
 * forms a loop: its first and last cells are 4-neighbours.
 */
final class Moore {
    private Moore() {}

    /** True when the Moore curve is defined for an h×w grid. */
    static boolean defined(int h, int w) {
        return h == w && h >= 2 && Integer.bitCount(h) == 1;
    }

    /** (H*W) permutation of flat indices {@code row*W+col}; throws when not {@link #defined}. */
    static int[] order(int h, int w) {
        if (!defined(h, w)) {
            throw new UnsupportedGridException("moore", h, w, "square grids with side 2^k, k >= 1 (2x2, 4x4, 8x8, 16x16, ...)");
        }
        int n = h;
        int m = n / 2;
        int[] quarter = Gilbert.order(m, m); // runs (0,0) -> (m-1,0)
        int[] perm = new int[n * n];
        int step = 0;
        for (int part = 0; part < 4; part++) {
            for (int cell : quarter) {
                int u = cell % m; // x within the quarter
                int v = cell / m; // y within the quarter
                int x, y;
                switch (part) {
                    case 0 -> { x = m - 1 - v; y = u; }
                    case 1 -> { x = m - 1 - v; y = m + u; }
                    case 2 -> { x = m + v; y = n - 1 - u; }
                    default -> { x = m + v; y = m - 1 - u; }
                }
                perm[step++] = y * n + x;
            }
        }
        return perm;
    }
}
