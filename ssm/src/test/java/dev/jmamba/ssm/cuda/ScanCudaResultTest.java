package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.ssm.kernel.ScanShape;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic of the GPU scan benchmark, which needs no GPU: byte counts, the table's reference
 * cases, and what a {@link ScanCudaResult} derives from its times (the timing itself runs on a GPU).
 */
class ScanCudaResultTest {
    private static final ScanShape VIM_T = new ScanShape(128, 384, 197, 16, 1);

    @Test void byteCountsFollowTheFloorOfPerformanceNotes() {
        // vim-t: B·D·L = 128·384·197, B·G·N·L = 128·1·16·197; forward u, delta, z, out + B, C
        long seq = 128L * 384 * 197, grp = 128L * 16 * 197;
        assertEquals(4 * (4 * seq + 2 * grp), ScanCudaBench.forwardBytes(VIM_T, true));
        assertEquals(4 * (3 * seq + 2 * grp), ScanCudaBench.forwardBytes(VIM_T, false));
        // backward reads u, delta, z, dout, writes du, ddelta, dz; reads B, C, writes dB, dC
        assertEquals(4 * (7 * seq + 4 * grp), ScanCudaBench.backwardBytes(VIM_T, true));
        assertEquals(4 * (5 * seq + 4 * grp), ScanCudaBench.backwardBytes(VIM_T, false));
    }

    @Test void referenceTimesOnlyForTheTablesCasesWithTheirGate() {
        assertEquals("vim-t", ScanCudaBench.reference(VIM_T, true).orElseThrow().name());
        assertFalse(ScanCudaBench.reference(VIM_T, false).isPresent(), "vim-t is timed with z");
        assertEquals("vmamba-t-stage1", ScanCudaBench.reference(new ScanShape(128, 384, 3136, 1, 4), false).orElseThrow().name());
        assertEquals(16.995, ScanCudaBench.reference(new ScanShape(8, 1536, 16384, 16, 1), true).orElseThrow().bwdMs());
        assertFalse(ScanCudaBench.reference(new ScanShape(2, 8, 70, 4, 1), true).isPresent());
    }

    @Test void derivedRatesAndFloorFractions() {
        long fb = ScanCudaBench.forwardBytes(VIM_T, true), bb = ScanCudaBench.backwardBytes(VIM_T, true);
        // a run on the reference GPU, whose copy measured 3000 GB/s
        ScanCudaResult r = new ScanCudaResult(VIM_T, true, "cuda:0", "NVIDIA H100 80GB HBM3", 16, "v6", "v6", 1, 0.25, 1.0, fb, bb, 3000);
        // bytes / ms / 1e6 = GB/s; floor = bytes at the measured 3.0e12 B/s, in ms; fraction = floor / measured
        assertEquals(fb / 0.25 / 1e6, r.fwdGbps(), 1e-9);
        assertEquals(bb / 3.0e12 * 1e3, r.floorBwdMs(), 1e-12);
        assertEquals(r.floorFwdMs() / 0.25, r.fwdFractionOfFloor(), 1e-12);
        assertEquals(r.fwdGbps() / 3000, r.fwdFractionOfFloor(), 1e-12);
        String text = r.toString();
        assertTrue(text.contains("case vim-t") && text.contains("speed-up 1.81x") && text.contains("speed-up 1.52x"), text);
        assertTrue(text.contains("at 3000 GB/s (copy, this run)"), text);
        String json = r.toJson();
        assertTrue(json.startsWith("{\"case\":\"scan\",\"name\":\"vim-t\",\"device\":\"cuda:0\""), json);
        assertTrue(json.contains("\"floor_gbps\":3000.0"), json);
        assertTrue(json.contains("\"ref_gpu\":\"H100\",\"ref_fwd_ms\":0.452,\"ref_bwd_ms\":1.524,\"speedup_fwd\":1.81,\"speedup_bwd\":1.52}"), json);
        ScanCudaResult other = new ScanCudaResult(new ScanShape(2, 8, 70, 4, 1), false, "cuda:1", "GPU \"x\"", 16, "v6", "v3", 2,
                0.01, 0.02, 100, 200, 1000);
        assertFalse(other.toJson().contains("ref_fwd_ms") || other.toJson().contains("\"name\""), other.toJson());
        assertTrue(other.toJson().contains("\"gpu\":\"GPU \\\"x\\\"\""), "quotes escaped: " + other.toJson());
    }

    @Test void noSpeedUpAgainstTimesOfAnotherGpu() {
        long fb = ScanCudaBench.forwardBytes(VIM_T, true), bb = ScanCudaBench.backwardBytes(VIM_T, true);
        ScanCudaResult r = new ScanCudaResult(VIM_T, true, "cuda:0", "NVIDIA H200", 16, "v6", "v6", 1, 0.25, 1.0, fb, bb, 4000);
        assertFalse(r.sameGpuAsReference());
        assertFalse(r.toJson().contains("speedup"), r.toJson());
        assertTrue(r.toJson().contains("\"ref_gpu\":\"H100\",\"ref_fwd_ms\":0.452"), r.toJson());
        assertFalse(r.toString().contains("speed-up 1"), r.toString());
        assertTrue(r.toString().contains("was measured on an H100, not on this GPU: no speed-up"), r.toString());
    }

    @Test void measureRejectsZeroRepeatsBeforeTouchingTheDevice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScanCudaBench.measure(null, null, VIM_T, true, 0));
        assertTrue(e.getMessage().contains("repeats must be >= 1, got 0"), e.getMessage());
    }
}
