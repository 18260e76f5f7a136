package dev.jmamba.curves;

/**
 * Orders made of straight runs: raster (row-major), column-major, snake (boustrophedon) by rows
 * and by columns, and the JPEG-style diagonal zigzag. Every method returns a fresh (H*W)
 * permutation of flat indices {@code row*W+col}; all are defined for every H, W ≥ 1.
 */
final class LinearOrders {
    private LinearOrders() {}

    /** Rows top to bottom, each left to right (VMamba direction 0, LocalMamba "h"). */
    static int[] raster(int h, int w) {
        int[] perm = new int[h * w];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        return perm;
    }

    /** Columns left to right, each top to bottom (VMamba direction 1, LocalMamba "v"). */
    static int[] column(int h, int w) {
        int[] perm = new int[h * w];
        int step = 0;
        for (int col = 0; col < w; col++) {
            for (int row = 0; row < h; row++) perm[step++] = row * w + col;
        }
        return perm;
    }

    /** Rows top to bottom; even rows left to right, odd rows right to left. Only 4-neighbour steps. */
    static int[] snakeRows(int h, int w) {
        int[] perm = new int[h * w];
        int step = 0;
        for (int row = 0; row < h; row++) {
            for (int k = 0; k < w; k++) {
                int col = (row % 2 == 0) ? k : w - 1 - k;
                perm[step++] = row * w + col;
            }
        }
        return perm;
    }

    /** Columns left to right; even columns top to bottom, odd columns bottom to top. */
    static int[] snakeColumns(int h, int w) {
        int[] perm = new int[h * w];
        int step = 0;
        for (int col = 0; col < w; col++) {
            for (int k = 0; k < h; k++) {
                int row = (col % 2 == 0) ? k : h - 1 - k;
                perm[step++] = row * w + col;
            }
        }
        return perm;
    }

    /**
     * JPEG-style zigzag over anti-diagonals d = row + col = 0 .. H+W-2: even diagonals are walked
     * up-right (row decreasing), odd diagonals down-left (row increasing), so the path starts
     * (0,0) → (0,1) → (1,0) → (2,0) → (1,1) → (0,2) … as in the JPEG coefficient order.
     */
    static int[] zigzag(int h, int w) {
        int[] perm = new int[h * w];
        int step = 0;
        for (int d = 0; d <= h + w - 2; d++) {
            int rowMin = Math.max(0, d - (w - 1));
            int rowMax = Math.min(d, h - 1);
            if (d % 2 == 0) {
                for (int row = rowMax; row >= rowMin; row--) perm[step++] = row * w + (d - row);
            } else {
                for (int row = rowMin; row <= rowMax; row++) perm[step++] = row * w + (d - row);
            }
        }
        return perm;
    }
}
