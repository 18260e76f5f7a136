package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/** LocalMamba window scans: the padded-sequence formula on exact multiples, padding dropped elsewhere. */
class WindowOrderTest {

    /** LocalMamba's index of token (row, col) in the padded sequence: ((wy*Wg + wx)*K + iy)*K + ix. */
    private static int paddedIndex(int row, int col, int w, int k) {
        int windowsAcross = (w + k - 1) / k;
        int wy = row / k, iy = row % k, wx = col / k, ix = col % k;
        return ((wy * windowsAcross + wx) * k + iy) * k + ix;
    }

    @Test void exactMultiplesGiveTheLocalMambaPermutation() {
        for (int k = 1; k <= 8; k++) {
            for (int h = k; h <= 40; h += k) {
                for (int w = k; w <= 40; w += k) {
                    ScanOrder order = ScanOrders.of("window" + k, h, w);
                    for (int row = 0; row < h; row++) {
                        for (int col = 0; col < w; col++) {
                            assertEquals(paddedIndex(row, col, w, k), order.stepOf(row * w + col), "w" + k + " " + h + "x" + w);
                        }
                    }
                }
            }
        }
    }

    @Test void bordersKeepThePaddedOrderWithPaddingDropped() {
        for (int k = 2; k <= 7; k++) {
            for (int h = 1; h <= 23; h++) {
                for (int w = 1; w <= 23; w++) {
                    final int width = w, size = k;
                    Integer[] cells = new Integer[h * w];
                    for (int c = 0; c < cells.length; c++) cells[c] = c;
                    Arrays.sort(cells, Comparator.comparingInt(c -> paddedIndex(c / width, c % width, width, size)));
                    int[] expected = Arrays.stream(cells).mapToInt(Integer::intValue).toArray();
                    assertArrayEquals(expected, ScanOrders.of("window" + k, h, w).perm(), "w" + k + " " + h + "x" + w);
                }
            }
        }
    }

    @Test void window2On3x5VisitsPartialBorderWindows() {
        // windows (2x2) in raster order; partial windows at the right column and bottom row
        int[] expected = {0, 1, 5, 6, 2, 3, 7, 8, 4, 9, 10, 11, 12, 13, 14};
        assertArrayEquals(expected, ScanOrders.of("window2", 3, 5).perm());
    }

    @Test void windowLargerThanTheGridIsRaster() {
        assertArrayEquals(ScanOrders.of("raster", 14, 14).perm(), ScanOrders.of("window14", 14, 14).perm());
        assertArrayEquals(ScanOrders.of("raster", 5, 9).perm(), ScanOrders.of("window64", 5, 9).perm());
    }
}
