package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The name registry: suffix parsing, transform identities, errors, and the cache. */
class ScanOrdersTest {

    @Test void transposeSwapsRasterAndColumnAndSnakeOrientation() {
        for (int h = 1; h <= 15; h++) {
            for (int w = 1; w <= 15; w++) {
                assertArrayEquals(ScanOrders.of("column", h, w).perm(), ScanOrders.of("raster-t", h, w).perm());
                assertArrayEquals(ScanOrders.of("raster", h, w).perm(), ScanOrders.of("column-t", h, w).perm());
                assertArrayEquals(ScanOrders.of("snake-col", h, w).perm(), ScanOrders.of("snake-t", h, w).perm());
            }
        }
    }

    @Test void transformsAreInvolutionsAndCommuteAsExpected() {
        for (String name : List.of("hilbert", "zigzag", "window3")) {
            for (int h = 1; h <= 12; h++) {
                for (int w = 1; w <= 12; w++) {
                    int[] base = ScanOrders.of(name, h, w).perm();
                    assertArrayEquals(base, ScanOrders.of(name + "-rev-rev", h, w).perm());
                    assertArrayEquals(base, ScanOrders.of(name + "-t-t", h, w).perm());
                    assertArrayEquals(base, ScanOrders.of(name + "-hflip-hflip", h, w).perm());
                    assertArrayEquals(base, ScanOrders.of(name + "-vflip-vflip", h, w).perm());
                    // transposing then flipping horizontally = flipping vertically then transposing
                    assertArrayEquals(ScanOrders.of(name + "-vflip-t", h, w).perm(), ScanOrders.of(name + "-t-hflip", h, w).perm());
                }
            }
        }
    }

    @Test void flipsMirrorTheCells() {
        assertArrayEquals(new int[] {2, 1, 0, 5, 4, 3}, ScanOrders.of("raster-hflip", 2, 3).perm());
        assertArrayEquals(new int[] {3, 4, 5, 0, 1, 2}, ScanOrders.of("raster-vflip", 2, 3).perm());
        assertArrayEquals(new int[] {5, 4, 3, 2, 1, 0}, ScanOrders.of("raster-rev", 2, 3).perm());
    }

    @Test void suffixesApplyLeftToRight() {
        // hilbert-t-rev = reverse(transpose(hilbert on W×H))
        ScanOrder manual = Transforms.reverse(Transforms.transpose(ScanOrders.of("hilbert", 9, 5)));
        ScanOrder named = ScanOrders.of("hilbert-t-rev", 5, 9);
        assertEquals("hilbert-t-rev", named.name());
        assertArrayEquals(manual.perm(), named.perm());
    }

    @Test void unknownNamesListTheValidOnes() {
        for (String bad : List.of("hilbertt", "snake-row", "window0", "window", "-rev", "raster-", "raster-flip", "Raster", "")) {
            var e = assertThrows(UnknownOrderException.class, () -> ScanOrders.of(bad, 4, 4), bad);
            assertTrue(e.getMessage().contains("raster") && e.getMessage().contains("snake-col")
                    && e.getMessage().contains("windowK") && e.getMessage().contains("-hflip"), e.getMessage());
            assertTrue(!ScanOrders.isValidName(bad), bad);
        }
        assertTrue(ScanOrders.isValidName("window12-t-rev"));
        assertThrows(IllegalArgumentException.class, () -> ScanOrders.of("raster", 0, 4));
    }

    @Test void cacheReturnsTheSameInstanceAndIsSafeAcrossThreads() throws Exception {
        assertSame(ScanOrders.of("hilbert", 23, 17), ScanOrders.of("hilbert", 23, 17));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ScanOrder>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) results.add(pool.submit(() -> ScanOrders.of("zigzag-t-rev", 37, 29)));
            ScanOrder first = results.getFirst().get();
            for (Future<ScanOrder> f : results) assertSame(first, f.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test void returnedArraysAreCopies() {
        ScanOrder order = ScanOrders.of("raster", 3, 3);
        order.perm()[0] = 99;
        order.inverse()[0] = 99;
        assertEquals(0, order.cellAt(0));
        assertEquals(0, order.stepOf(0));
    }

    @Test void constructorRejectsNonPermutations() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScanOrder("x", 2, 2, new int[] {0, 1, 1, 3}));
        assertTrue(e.getMessage().contains("step 2") && e.getMessage().contains("cell 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ScanOrder("x", 2, 2, new int[] {0, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new ScanOrder("x", 2, 2, new int[] {0, 1, 2, 4}));
    }
}
