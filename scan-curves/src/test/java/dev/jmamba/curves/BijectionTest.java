package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every order and every transform is a bijection of the H*W cells, with a matching inverse, for all H, W in 1..40. */
class BijectionTest {
    private static final int MAX_SIDE = 40;

    private static final List<String> ANY_SIZE_ORDERS = List.of(
            "raster", "column", "snake", "snake-col", "zigzag", "hilbert",
            "window1", "window2", "window3", "window7", "window16", "window64");

    private static final List<String> TRANSFORMED = List.of(
            "raster-rev", "column-t", "snake-hflip", "snake-col-vflip", "zigzag-t", "hilbert-rev", "hilbert-t",
            "hilbert-hflip", "hilbert-vflip", "hilbert-t-rev", "window7-rev", "window2-t-hflip-vflip-rev");

    /** Independent check: every cell index appears exactly once, and inverse[perm[i]] == i, perm[inverse[c]] == c. */
    static void assertBijection(ScanOrder order, int h, int w) {
        String what = order.name() + " on " + h + "x" + w;
        assertEquals(h, order.h(), what);
        assertEquals(w, order.w(), what);
        int[] perm = order.perm();
        int[] inverse = order.inverse();
        assertEquals(h * w, perm.length, what);
        boolean[] seen = new boolean[h * w];
        for (int step = 0; step < perm.length; step++) {
            int cell = perm[step];
            assertTrue(cell >= 0 && cell < perm.length && !seen[cell], what + ": bad cell " + cell + " at step " + step);
            seen[cell] = true;
            assertEquals(step, inverse[cell], what + ": inverse at cell " + cell);
        }
        for (int cell = 0; cell < perm.length; cell++) assertEquals(cell, perm[inverse[cell]], what);
    }

    @Test void baseOrdersAreBijectionsOnEveryGridUpTo40() {
        for (String name : ANY_SIZE_ORDERS) {
            for (int h = 1; h <= MAX_SIDE; h++) {
                for (int w = 1; w <= MAX_SIDE; w++) assertBijection(ScanOrders.of(name, h, w), h, w);
            }
        }
    }

    @Test void transformedOrdersAreBijectionsOnEveryGridUpTo40() {
        for (String name : TRANSFORMED) {
            for (int h = 1; h <= MAX_SIDE; h++) {
                for (int w = 1; w <= MAX_SIDE; w++) assertBijection(ScanOrders.of(name, h, w), h, w);
            }
        }
    }

    @Test void transformsAppliedDirectlyAreBijections() {
        for (int h = 1; h <= MAX_SIDE; h++) {
            for (int w = 1; w <= MAX_SIDE; w++) {
                ScanOrder zig = new ScanOrder("zigzag", h, w, LinearOrders.zigzag(h, w));
                assertBijection(Transforms.reverse(zig), h, w);
                assertBijection(Transforms.horizontalFlip(zig), h, w);
                assertBijection(Transforms.verticalFlip(zig), h, w);
                assertBijection(Transforms.transpose(zig), w, h);
            }
        }
    }

    @Test void curvesOnTheirOwnSizesAreBijections() {
        for (int n = 2; n <= 64; n *= 2) assertBijection(ScanOrders.of("moore", n, n), n, n);
        for (int n = 1; n <= 81; n *= 3) assertBijection(ScanOrders.of("peano", n, n), n, n);
        for (int n = 1; n <= 27; n *= 3) assertBijection(ScanOrders.of("peano-t-rev-hflip", n, n), n, n);
    }
}
