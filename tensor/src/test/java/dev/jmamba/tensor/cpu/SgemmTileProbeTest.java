package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SgemmTileProbe}: the ceiling, the ceiling at the tile's accumulator count where that is 8 or 9 (the 256-bit
 * 3x24 tile), then 4 alignments of B in L1 and 4 from L2, each a finite positive rate.
 */
class SgemmTileProbeTest {
    @Test void reportsTheCeilingThenEightTileCases() {
        assumeTrue(SimdSupport.ENABLED, "the probe times the Vector API kernel");
        List<SgemmTileProbe.Result> results = SgemmTileProbe.run(20);
        SgemmKernel kernel = SgemmSimd.kernel();
        int accumulators = kernel.mr() * kernel.nr() / SgemmSimd.S.length();
        int ceilings = accumulators == 8 || accumulators == 9 ? 2 : 1;
        assertEquals(8 + ceilings, results.size(), results.toString());
        assertEquals("fma-ceiling", results.get(0).what());
        if (ceilings == 2) assertEquals("fma-ceiling " + accumulators + " chains", results.get(1).what());
        String tile = "tile " + kernel.mr() + "x" + kernel.nr();
        for (int i = 0; i < 8; i++) {
            SgemmTileProbe.Result r = results.get(ceilings + i);
            assertTrue(r.what().startsWith(tile) && r.what().endsWith(i < 4 ? "B in L1" : "B from L2"), r.toString());
            assertEquals(i % 4 * 4, r.bOffsetFloats(), r.toString());
        }
        for (SgemmTileProbe.Result r : results) assertTrue(r.gflops() > 0 && Double.isFinite(r.gflops()), r.toString());
    }
}
