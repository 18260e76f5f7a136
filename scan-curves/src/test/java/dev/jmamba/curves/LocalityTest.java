package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Locality metrics: hand-computed small cases and the spec §5 table. */
class LocalityTest {

    /** The spec table is printed with 3 decimals (GL with 3-4 significant digits): 1e-3 covers its rounding. */
    private static final double SPEC_TOLERANCE = 1e-3;

    private static void assertRow(int n, String order, double jump, double sds, int median, double frac, double spread, double gl) {
        Locality m = Locality.of(ScanOrders.of(order, n, n));
        String what = order + " " + n + "x" + n;
        assertEquals(jump, m.meanJump(), SPEC_TOLERANCE, what + " mean jump");
        assertEquals(sds, m.meanSds(), SPEC_TOLERANCE, what + " mean SDS");
        assertEquals(median, m.medianGap(), what + " median gap");
        assertEquals(frac, m.fracGapAtMost4(), SPEC_TOLERANCE, what + " frac gap<=4");
        assertEquals(spread, m.window16Spread(), SPEC_TOLERANCE, what + " window16 spread");
        assertEquals(gl, m.gotsmanLindenbaum(), SPEC_TOLERANCE, what + " GL");
    }

    @Test void reproducesTheSpecTable() {
        assertRow(14, "raster", 1.803, 3.587, 14, 0.500, 3.501, 170.0);
        assertRow(14, "snake", 1.000, 1.990, 1, 0.571, 2.924, 13.0);
        assertRow(14, "hilbert", 1.000, 1.990, 1, 0.720, 1.708, 4.263);
        assertRow(14, "window7", 1.739, 3.461, 7, 0.462, 2.274, 170.0);
        assertRow(14, "window2", 1.564, 3.111, 2, 0.769, 3.019, 170.0);
        assertRow(16, "hilbert", 1.000, 1.992, 1, 0.700, 1.700, 4.481);
        assertRow(16, "moore", 1.000, 1.992, 1, 0.702, 1.699, 5.233);
        assertRow(28, "raster", 1.897, 3.790, 28, 0.500, 5.927, 730.0);
        assertRow(28, "snake", 1.000, 1.997, 1, 0.536, 3.474, 27.0);
        assertRow(28, "hilbert", 1.000, 1.997, 1, 0.695, 1.708, 4.582);
        assertRow(28, "window7", 1.801, 3.597, 7, 0.444, 2.610, 730.0);
    }

    @Test void handComputed2x2Raster() {
        // steps: (0,0)->(1,0) 1, (1,0)->(0,1) sqrt2, (0,1)->(1,1) 1
        Locality m = Locality.of(ScanOrders.of("raster", 2, 2));
        assertEquals((2 + Math.sqrt(2)) / 3, m.meanJump(), 1e-12);
        assertEquals(2 * (2 + Math.sqrt(2)) / 4, m.meanSds(), 1e-12);
        // adjacent pairs: 0-1 gap 1, 2-3 gap 1, 0-2 gap 2, 1-3 gap 2 -> sorted 1,1,2,2, upper median 2
        assertEquals(2, m.medianGap());
        assertEquals(1.0, m.fracGapAtMost4(), 1e-12);
        // one run of all 4 tokens (fewer than 16), centroid (0.5,0.5), every cell at sqrt(0.5)
        assertEquals(Math.sqrt(0.5), m.window16Spread(), 1e-12);
        // GL: (1,0)->(0,1) at |i-j| = 1 gives 2/1
        assertEquals(2.0, m.gotsmanLindenbaum(), 1e-12);
        assertEquals(1, m.nonUnitSteps());
    }

    @Test void singleCellIsAllZeros() {
        Locality m = Locality.of(ScanOrders.of("hilbert", 1, 1));
        assertEquals(new Locality(0, 0, 0, 0, 0, 0, 0, true), m);
    }

    @Test void tableHasOneRowPerOrder() {
        String table = Locality.markdownTable(java.util.List.of(ScanOrders.of("raster", 4, 4), ScanOrders.of("hilbert", 4, 4)));
        assertEquals(4, table.lines().count());
        assertTrue(table.contains("| 4x4 | hilbert | 1.000 |"), table);
    }
}
