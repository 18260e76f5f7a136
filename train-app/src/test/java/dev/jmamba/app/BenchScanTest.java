package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.ssm.cuda.ScanCudaBench;
import dev.jmamba.ssm.cuda.ScanCudaResult;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code jmamba bench scan} through {@link Main#run}: one JSON line with the measured fields, usage
 * errors, and the CUDA path's refusals and JSON (its timing runs on a GPU, see ScanCudaBench).
 */
class BenchScanTest {

    @Test void jsonIsOneLineWithTimesBytesAndSpeedups() throws Exception {
        AppRun.Result r = AppRun.run("bench", "scan", "--shape", "1,8,70,4,2", "--repeats", "1", "--ref-repeats", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(1, lines.length, r.out());
        JsonNode node = new ObjectMapper().readTree(lines[0]);
        assertEquals("scan", node.get("case").asText());
        assertEquals(8, node.get("D").asInt());
        assertEquals(2, node.get("G").asInt());
        // times are positive; the derived rates are printed rounded (a cold, tiny run can show 0.000)
        for (String key : new String[] {"fwdMs", "bwdMs", "refFwdMs", "refBwdMs"}) {
            assertTrue(node.get(key).asDouble() > 0, key + " in " + lines[0]);
        }
        for (String key : new String[] {"fwdGBs", "bwdGBs", "fwdSpeedup", "bwdSpeedup"}) {
            assertTrue(node.get(key).isNumber() && node.get(key).asDouble() >= 0, key + " in " + lines[0]);
        }
        // byte floor of PERFORMANCE.md §2: forward u, delta, z, out (4 x B·D·L) + B, C (2 x B·G·N·L), 4 bytes each
        assertEquals(4L * (4 * 8 * 70 + 2 * 2 * 4 * 70), node.get("fwdBytes").asLong());
    }

    @Test void badShapeIsAUsageError() {
        AppRun.Result r = AppRun.run("bench", "scan", "--shape", "2,96,x,16");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--shape"), r.err());
        AppRun.Result g = AppRun.run("bench", "scan", "--shape", "1,6,10,4,4");
        assertEquals(2, g.exitCode());
        assertTrue(g.err().contains("multiple of groups"), g.err());
    }

    @Test void explicitCpuDeviceIsTheDefaultPath() throws Exception {
        AppRun.Result r = AppRun.run("bench", "scan", "--device", "cpu", "--shape", "1,4,20,2", "--no-z", "--repeats", "1",
                "--ref-repeats", "1", "--threads", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode node = new ObjectMapper().readTree(r.out().strip());
        assertEquals("scan", node.get("case").asText());
        assertEquals(false, node.get("z").asBoolean());
        assertEquals(1, node.get("threads").asInt());
        assertTrue(node.get("refFwdMs").asDouble() > 0, r.out());
        AppRun.Result text = AppRun.run("bench", "scan", "--device", "CPU", "--shape", "1,4,20,2", "--repeats", "1", "--ref-repeats", "1");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().startsWith("scan B=1 D=4 L=20 N=2 G=1") && text.out().contains("reference"), text.out());
    }

    @Test void cudaWithoutAGpuIsAClearError() {
        Assumptions.assumeFalse(Backends.isAvailable(Device.cuda(0)), "this machine has a GPU");
        AppRun.Result r = AppRun.run("bench", "scan", "--device", "cuda", "--shape", "1,8,70,4", "--json");
        assertEquals(1, r.exitCode(), r.out());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("--device cuda: no usable CUDA GPU") && r.err().contains("--device cpu"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test void cpuOnlyOptionsWithCudaAreUsageErrorsWithOrWithoutAGpu() {
        AppRun.Result t = AppRun.run("bench", "scan", "--device", "cuda", "--shape", "1,8,70,4", "--threads", "2");
        assertEquals(2, t.exitCode(), t.out() + t.err());
        assertTrue(t.err().contains("--threads") && t.err().contains("--device cuda:0"), t.err());
        AppRun.Result ref = AppRun.run("bench", "scan", "--device", "cuda:1", "--shape", "1,8,70,4", "--ref-repeats", "2");
        assertEquals(2, ref.exitCode(), ref.out() + ref.err());
        assertTrue(ref.err().contains("--ref-repeats") && ref.err().contains("--device cuda:1"), ref.err());
        AppRun.Result bad = AppRun.run("bench", "scan", "--device", "tpu", "--shape", "1,8,70,4");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("bad --device 'tpu'"), bad.err());
    }

    @Test void cudaJsonLineHasTheFloorFractionsAndTheReference() throws Exception {
        ScanShape vimT = new ScanShape(128, 384, 197, 16, 1);
        ScanCudaResult result = new ScanCudaResult(vimT, true, "cuda:0", "NVIDIA H100 PCIe", 16, "v6", "v3", 1, 0.3, 1.2,
                ScanCudaBench.forwardBytes(vimT, true), ScanCudaBench.backwardBytes(vimT, true), 2930);
        JsonNode node = new ObjectMapper().readTree(result.toJson());
        assertEquals("scan", node.get("case").asText());
        assertEquals("vim-t", node.get("name").asText());
        assertEquals("cuda:0", node.get("device").asText());
        assertEquals(197, node.get("shape").get(2).asInt());
        assertTrue(node.get("z").asBoolean());
        assertEquals("v6", node.get("fwd_kernel").asText());
        assertEquals("v3", node.get("bwd_kernel").asText());
        assertEquals(0.3, node.get("fwd_ms").asDouble(), 1e-9);
        // fraction of the floor = floor ms / measured ms, printed to 3 decimals
        assertEquals(node.get("floor_fwd_ms").asDouble() / 0.3, node.get("fraction_of_floor_fwd").asDouble(), 1e-3);
        assertEquals(node.get("floor_bwd_ms").asDouble() / 1.2, node.get("fraction_of_floor_bwd").asDouble(), 1e-3);
        assertEquals(node.get("fwd_gbps").asDouble() / node.get("floor_gbps").asDouble(), node.get("fraction_of_floor_fwd").asDouble(), 1e-3);
        assertEquals("H100", node.get("ref_gpu").asText());
        assertEquals(0.452, node.get("ref_fwd_ms").asDouble(), 1e-9);
        assertEquals(1.524 / 1.2, node.get("speedup_bwd").asDouble(), 0.005);
    }
}
