package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SgemmTileProbe}: the ceiling, then 4 alignments of B in L1 and 4 from L2, each a finite positive rate. */
class SgemmTileProbeTest {
    @Test void reportsTheCeilingThenEightTileCases() {
        assumeTrue(SimdSupport.ENABLED, "the probe times the Vector API kernel");
        List<SgemmTileProbe.Result> results = SgemmTileProbe.run(20);
        assertEquals(9, results.size(), results.toString());
        assertEquals("fma-ceiling", results.get(0).what());
        String tile = "tile " + SgemmSimd.kernel().mr() + "x" + SgemmSimd.kernel().nr();
        for (int i = 1; i < 9; i++) {
            SgemmTileProbe.Result r = results.get(i);
            assertTrue(r.what().startsWith(tile) && r.what().endsWith(i <= 4 ? "B in L1" : "B from L2"), r.toString());
            assertEquals((i - 1) % 4 * 4, r.bOffsetFloats(), r.toString());
        }
        for (SgemmTileProbe.Result r : results) assertTrue(r.gflops() > 0 && Double.isFinite(r.gflops()), r.toString());
    }
}
