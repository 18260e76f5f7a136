package dev.jmamba.curves;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The branch-and-bound GL equals the plain double loop bit for bit; its work bound yields a flagged lower bound. */
class GotsmanLindenbaumTest {

    private static double[][] coords(ScanOrder o) {
        double[] xs = new double[o.length()], ys = new double[o.length()];
        for (int i = 0; i < o.length(); i++) {
            xs[i] = o.colAt(i);
            ys[i] = o.rowAt(i);
        }
        return new double[][] {xs, ys};
    }

    @Test void equalsThePlainLoopForEveryMainOrderAndManySizes() {
        int[][] sizes = {{1, 1}, {1, 2}, {2, 1}, {1, 40}, {37, 1}, {3, 5}, {7, 7}, {13, 9}, {16, 16}, {14, 14}, {17, 31}, {32, 32}, {50, 17}, {45, 45}};
        for (int[] hw : sizes) {
            for (String name : ScanOrders.MAIN_ORDERS) {
                ScanOrder o;
                try {
                    o = ScanOrders.of(name, hw[0], hw[1]);
                } catch (UnsupportedGridException e) {
                    continue;
                }
                double[][] c = coords(o);
                GotsmanLindenbaum.Result r = GotsmanLindenbaum.of(c[0], c[1], Long.MAX_VALUE);
                assertTrue(r.exact());
                assertEquals(GotsmanLindenbaum.plain(c[0], c[1]), r.value(), 0, name + " " + hw[0] + "x" + hw[1]);
            }
        }
    }

    /** Seeded random point sequences, including random permutations of a grid and clustered walks. */
    @Test void equalsThePlainLoopOnRandomSequences() {
        SplittableRandom rng = new SplittableRandom(2024);
        for (int t = 0; t < 200; t++) {
            int n = rng.nextInt(2, 700);
            double[] xs = new double[n], ys = new double[n];
            for (int i = 0; i < n; i++) {
                if (t % 3 == 0) {          // uniform random points
                    xs[i] = rng.nextInt(60);
                    ys[i] = rng.nextInt(60);
                } else if (i > 0) {        // a random walk with occasional jumps
                    boolean jump = rng.nextInt(50) == 0;
                    xs[i] = xs[i - 1] + (jump ? rng.nextInt(-40, 41) : rng.nextInt(-1, 2));
                    ys[i] = ys[i - 1] + (jump ? rng.nextInt(-40, 41) : rng.nextInt(-1, 2));
                }
            }
            GotsmanLindenbaum.Result r = GotsmanLindenbaum.of(xs, ys, Long.MAX_VALUE);
            assertEquals(GotsmanLindenbaum.plain(xs, ys), r.value(), 0, "case " + t + " (n = " + n + ")");
            assertTrue(r.exact());
        }
    }

    @Test void aSmallBudgetGivesAFlaggedLowerBound() {
        double[][] c = coords(ScanOrders.of("hilbert", 64, 64));
        double exact = GotsmanLindenbaum.plain(c[0], c[1]);
        GotsmanLindenbaum.Result r = GotsmanLindenbaum.of(c[0], c[1], 10);
        assertFalse(r.exact());
        assertTrue(r.value() > 0 && r.value() <= exact, r.value() + " vs " + exact);
    }

    @Test void largeGridsFinishExactlyWithinTheBudget() {
        for (String name : new String[] {"hilbert", "snake", "zigzag", "window7", "raster"}) {
            Locality m = Locality.of(ScanOrders.of(name, 512, 512));
            assertTrue(m.glExact(), name + " 512x512 GL exact within the budget");
        }
    }
}
