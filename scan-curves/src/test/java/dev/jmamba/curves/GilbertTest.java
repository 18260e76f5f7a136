package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The generalised Hilbert curve: spec test vectors, step shapes on every grid up to 40, classic Hilbert on 2^k. */
class GilbertTest {

    /** (L, 2) the (x, y) = (column, row) of each step. */
    static int[][] xy(ScanOrder order) {
        int[][] out = new int[order.length()][];
        for (int i = 0; i < out.length; i++) out[i] = new int[] {order.colAt(i), order.rowAt(i)};
        return out;
    }

    @Test void matches4x4Vector() {
        int[][] expected = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 2}, {0, 3}, {1, 3}, {1, 2}, {2, 2}, {2, 3}, {3, 3}, {3, 2},
                {3, 1}, {2, 1}, {2, 0}, {3, 0}};
        assertArrayEquals(expected, xy(ScanOrders.of("hilbert", 4, 4)));
    }

    @Test void matches3x2Vector() {
        // spec writes sizes as W×H: gilbert(3, 2) is 3 columns, 2 rows
        int[][] expected = {{0, 0}, {0, 1}, {1, 1}, {2, 1}, {2, 0}, {1, 0}};
        assertArrayEquals(expected, xy(ScanOrders.of("hilbert", 2, 3)));
    }

    @Test void matches14x14FirstTwentyAndLastCell() {
        int[][] expectedStart = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 2}, {0, 3}, {1, 3}, {1, 2}, {2, 2}, {2, 3}, {3, 3},
                {3, 2}, {3, 1}, {2, 1}, {2, 0}, {3, 0}, {4, 0}, {4, 1}, {5, 1}, {5, 0}};
        int[][] all = xy(ScanOrders.of("hilbert", 14, 14));
        for (int i = 0; i < expectedStart.length; i++) assertArrayEquals(expectedStart[i], all[i], "step " + i);
        assertArrayEquals(new int[] {13, 0}, all[195]);
    }

    @Test void gilbertIsAnAliasOfHilbert() {
        assertArrayEquals(ScanOrders.of("hilbert", 13, 21).perm(), ScanOrders.of("gilbert", 13, 21).perm());
    }

    /**
     * Measured rule, checked on every H, W in 1..40: the path takes exactly one diagonal step when
     * the longer side is odd and the shorter side is even and at least 4 (e.g. 12 rows × 15 columns);
     * on all other grids every step goes to a 4-neighbour. No other kind of step ever occurs.
     */
    @Test void stepsAreUnitExceptOneDiagonalWhenLongSideOddAndShortSideEvenAtLeast4() {
        int gridsWithDiagonal = 0;
        for (int h = 1; h <= 40; h++) {
            for (int w = 1; w <= 40; w++) {
                ScanOrder order = ScanOrders.of("hilbert", h, w);
                int diagonal = 0, other = 0;
                for (int i = 1; i < order.length(); i++) {
                    int dx = Math.abs(order.colAt(i) - order.colAt(i - 1));
                    int dy = Math.abs(order.rowAt(i) - order.rowAt(i - 1));
                    if (dx + dy == 1) continue;
                    if (dx == 1 && dy == 1) diagonal++;
                    else other++;
                }
                int longSide = Math.max(h, w), shortSide = Math.min(h, w);
                boolean expectDiagonal = longSide % 2 == 1 && shortSide % 2 == 0 && shortSide >= 4;
                assertEquals(0, other, h + "x" + w + ": steps that are neither unit nor diagonal");
                assertEquals(expectDiagonal ? 1 : 0, diagonal, h + "x" + w + ": diagonal steps");
                if (expectDiagonal) gridsWithDiagonal++;
            }
        }
        assertEquals(342, gridsWithDiagonal);
    }

    @Test void spec15x12HasOneDiagonalAndListedSizesHaveNone() {
        assertEquals(1, Locality.of(ScanOrders.of("hilbert", 12, 15)).nonUnitSteps());
        int[][] unitOnly = {{3, 3}, {5, 5}, {7, 7}, {8, 8}, {9, 9}, {12, 12}, {13, 13}, {14, 14}, {16, 16}, {21, 21}, {24, 24},
                {28, 28}, {32, 32}, {56, 56}, {31, 55}, {48, 64}};
        for (int[] hw : unitOnly) {
            assertEquals(0, Locality.of(ScanOrders.of("hilbert", hw[0], hw[1])).nonUnitSteps(), hw[0] + "x" + hw[1]);
        }
    }

    /**
     * Measured on every H, W in 1..40: the path starts at (0,0) and ends at the far corner of the
     * longer side ((W-1, 0) when W >= H, else (0, H-1)), except on grids whose shorter side is 2 and
     * longer side odd (e.g. 2×3, the spec's gilbert(3,2) vector): there it ends one cell short of
     * that corner, which is how those grids avoid a diagonal step.
     */
    @Test void startsAtOriginAndEndsAtFarEndOfLongerSide() {
        for (int h = 1; h <= 40; h++) {
            for (int w = 1; w <= 40; w++) {
                ScanOrder order = ScanOrders.of("hilbert", h, w);
                assertEquals(0, order.cellAt(0));
                int last = order.length() - 1;
                boolean oneShort = Math.min(h, w) == 2 && Math.max(h, w) % 2 == 1;
                int endCol = w >= h ? w - 1 - (oneShort ? 1 : 0) : 0;
                int endRow = w >= h ? 0 : h - 1 - (oneShort ? 1 : 0);
                assertEquals(endCol, order.colAt(last), h + "x" + w + " end column");
                assertEquals(endRow, order.rowAt(last), h + "x" + w + " end row");
            }
        }
    }

    @Test void powerOfTwoSquaresEqualTheClassicHilbertCurve() {
        for (int n = 1; n <= 128; n *= 2) {
            ScanOrder order = ScanOrders.of("hilbert", n, n);
            for (int d = 0; d < n * n; d++) {
                int[] p = classicD2xy(n, d);
                assertEquals(p[1] * n + p[0], order.cellAt(d), "n=" + n + " d=" + d);
            }
        }
    }

    /**
     * The textbook bit-twiddling Hilbert index → (x, y) conversion, written independently of
     * {@link Gilbert}: two bits of d per level choose the quadrant, and the partial point is
     * rotated/reflected so each sub-curve joins its neighbours.
     */
    static int[] classicD2xy(int n, int d) {
        int x = 0, y = 0, t = d;
        for (int s = 1; s < n; s *= 2) {
            int rx = 1 & (t / 2);
            int ry = 1 & (t ^ rx);
            if (ry == 0) {
                if (rx == 1) {
                    x = s - 1 - x;
                    y = s - 1 - y;
                }
                int swap = x;
                x = y;
                y = swap;
            }
            x += s * rx;
            y += s * ry;
            t /= 4;
        }
        return new int[] {x, y};
    }
}
