package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Raster, column, snake and zigzag orders against their definitions, plus the VMamba / LocalMamba named sets. */
class LinearOrdersTest {

    @Test void rasterAndColumnFollowTheVMambaFormulas() {
        for (int h = 1; h <= 12; h++) {
            for (int w = 1; w <= 12; w++) {
                List<ScanOrder> cross = ScanOrders.vmambaCrossScan(h, w);
                int l = h * w;
                for (int row = 0; row < h; row++) {
                    for (int col = 0; col < w; col++) {
                        int cell = row * w + col;
                        assertEquals(row * w + col, cross.get(0).stepOf(cell));
                        assertEquals(col * h + row, cross.get(1).stepOf(cell));
                        assertEquals(l - 1 - (row * w + col), cross.get(2).stepOf(cell));
                        assertEquals(l - 1 - (col * h + row), cross.get(3).stepOf(cell));
                    }
                }
            }
        }
    }

    @Test void snakeByRowsAndByColumns() {
        assertArrayEquals(new int[] {0, 1, 2, 5, 4, 3, 6, 7, 8}, ScanOrders.of("snake", 3, 3).perm());
        assertArrayEquals(new int[] {0, 3, 4, 1, 2, 5}, ScanOrders.of("snake-col", 2, 3).perm());
        for (int h = 1; h <= 20; h++) {
            for (int w = 1; w <= 20; w++) {
                assertEquals(0, Locality.of(ScanOrders.of("snake", h, w)).nonUnitSteps());
                assertEquals(0, Locality.of(ScanOrders.of("snake-col", h, w)).nonUnitSteps());
            }
        }
    }

    @Test void zigzagOn8x8IsTheJpegOrder() {
        int[] jpeg = {0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,
                7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
                53, 60, 61, 54, 47, 55, 62, 63};
        assertArrayEquals(jpeg, ScanOrders.of("zigzag", 8, 8).perm());
    }

    @Test void zigzagOnRectanglesWalksAntiDiagonalsInOrder() {
        // 3 rows x 4 columns: diagonals 0..5, even ones up-right, odd ones down-left
        assertArrayEquals(new int[] {0, 1, 4, 8, 5, 2, 3, 6, 9, 10, 7, 11}, ScanOrders.of("zigzag", 3, 4).perm());
        for (int h = 1; h <= 20; h++) {
            for (int w = 1; w <= 20; w++) {
                ScanOrder z = ScanOrders.of("zigzag", h, w);
                for (int i = 1; i < z.length(); i++) {
                    int prev = z.rowAt(i - 1) + z.colAt(i - 1), now = z.rowAt(i) + z.colAt(i);
                    assertEquals(true, now == prev || now == prev + 1, "zigzag " + h + "x" + w + " step " + i);
                }
            }
        }
    }

    @Test void localMambaCandidatesAreTheEightNamedOrders() {
        Map<String, ScanOrder> set = ScanOrders.localMambaCandidates(14, 14);
        assertEquals(List.of("h", "h_flip", "v", "v_flip", "w2", "w2_flip", "w7", "w7_flip"), List.copyOf(set.keySet()));
        for (String base : List.of("h", "v", "w2", "w7")) {
            int[] forward = set.get(base).perm();
            int[] flipped = set.get(base + "_flip").perm();
            for (int i = 0; i < forward.length; i++) assertEquals(forward[i], flipped[forward.length - 1 - i]);
        }
        assertArrayEquals(ScanOrders.of("window7", 14, 14).perm(), set.get("w7").perm());
        assertArrayEquals(ScanOrders.of("column", 14, 14).perm(), set.get("v").perm());
    }
}
