package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Moore (closed Hilbert, 2^k squares) and Peano (3^k squares): vectors, unit steps, and refusal elsewhere. */
class MoorePeanoTest {

    private static void assertUnitSteps(ScanOrder order) {
        for (int i = 1; i < order.length(); i++) {
            int d = Math.abs(order.colAt(i) - order.colAt(i - 1)) + Math.abs(order.rowAt(i) - order.rowAt(i - 1));
            assertEquals(1, d, order + " step " + i);
        }
    }

    @Test void moore4MatchesSpecVector() {
        int[][] expected = {{1, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 3}, {1, 3}, {2, 3}, {3, 3}, {3, 2}, {2, 2},
                {2, 1}, {3, 1}, {3, 0}, {2, 0}};
        assertArrayEquals(expected, GilbertTest.xy(ScanOrders.of("moore", 4, 4)));
    }

    @Test void mooreIsAClosedUnitStepLoop() {
        for (int n = 2; n <= 128; n *= 2) {
            ScanOrder order = ScanOrders.of("moore", n, n);
            assertUnitSteps(order);
            int last = order.length() - 1;
            int d = Math.abs(order.colAt(0) - order.colAt(last)) + Math.abs(order.rowAt(0) - order.rowAt(last));
            assertEquals(1, d, "moore " + n + ": first and last cells must be 4-neighbours");
        }
    }

    @Test void peanoMatchesSpecVectors() {
        int[][] p3 = {{0, 0}, {0, 1}, {0, 2}, {1, 2}, {1, 1}, {1, 0}, {2, 0}, {2, 1}, {2, 2}};
        assertArrayEquals(p3, GilbertTest.xy(ScanOrders.of("peano", 3, 3)));
        int[][] p9 = GilbertTest.xy(ScanOrders.of("peano", 9, 9));
        int[][] p9Start = {{0, 0}, {0, 1}, {0, 2}, {1, 2}, {1, 1}, {1, 0}, {2, 0}, {2, 1}, {2, 2}, {2, 3}, {2, 4}, {2, 5}};
        for (int i = 0; i < p9Start.length; i++) assertArrayEquals(p9Start[i], p9[i], "step " + i);
        assertArrayEquals(new int[] {8, 8}, p9[80]);
    }

    @Test void peanoTakesOnlyUnitStepsAndEndsInTheFarCorner() {
        for (int n = 3; n <= 81; n *= 3) {
            ScanOrder order = ScanOrders.of("peano", n, n);
            assertUnitSteps(order);
            assertEquals(n * n - 1, order.cellAt(n * n - 1));
        }
        assertEquals(1, ScanOrders.of("peano", 1, 1).length());
    }

    @Test void undefinedSizesThrowAndSayWhichSizesAreAllowed() {
        int[][] badMoore = {{1, 1}, {3, 3}, {6, 6}, {14, 14}, {4, 8}, {56, 56}};
        for (int[] hw : badMoore) {
            var e = assertThrows(UnsupportedGridException.class, () -> ScanOrders.of("moore", hw[0], hw[1]));
            assertTrue(e.getMessage().contains(hw[0] + "x" + hw[1]) && e.getMessage().contains("2^k"), e.getMessage());
        }
        int[][] badPeano = {{2, 2}, {6, 6}, {14, 14}, {3, 9}, {56, 56}};
        for (int[] hw : badPeano) {
            var e = assertThrows(UnsupportedGridException.class, () -> ScanOrders.of("peano", hw[0], hw[1]));
            assertTrue(e.getMessage().contains(hw[0] + "x" + hw[1]) && e.getMessage().contains("3^k"), e.getMessage());
        }
        // suffixes do not hide the refusal
        assertThrows(UnsupportedGridException.class, () -> ScanOrders.of("peano-rev", 14, 14));
        assertThrows(UnsupportedGridException.class, () -> ScanOrders.of("moore-t", 8, 4));
    }
}
