package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.vision.Backbones;
import org.junit.jupiter.api.Test;

/** {@code jmamba bench train}: achieved TFLOP/s from the analytic FLOP count and the fraction of the sgemm ceiling. */
class BenchTrainFlopsTest {
    private static final String[] TINY = {"bench", "train", "--device", "cpu", "--model", "vim-nano", "--resolution", "28",
            "--classes", "10", "--batch-size", "2", "--steps", "1", "--warmup", "0"};

    private static AppRun.Result run(String... extra) {
        String[] args = new String[TINY.length + extra.length];
        System.arraycopy(TINY, 0, args, 0, TINY.length);
        System.arraycopy(extra, 0, args, TINY.length, extra.length);
        return AppRun.run(args);
    }

    @Test void jsonCarriesTflopsAndTheFractionOfTheCeiling() throws Exception {
        AppRun.Result r = run("--sgemm-n", "96", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(1, lines.length, r.out());
        JsonNode n = new ObjectMapper().readTree(lines[0]);
        // the fields that were there before keep their names
        assertEquals("train", n.get("case").asText());
        assertEquals("cpu", n.get("device").asText());
        assertTrue(n.get("ms").asDouble() > 0 && n.get("img_per_s").asDouble() > 0, lines[0]);
        // forward multiply-adds per image as 'jmamba info' counts them; a training step is 3 of them
        double gmacs = Backbones.cost("vim-nano", 10, 28, 3).flops() / 1e9;
        assertEquals(gmacs, n.get("gmacs_per_image").asDouble(), gmacs * 1e-5);
        assertEquals(3, n.get("flop_passes").asInt());
        double tflops = n.get("tflops").asDouble(), ceiling = n.get("sgemm_tflops").asDouble();
        assertTrue(tflops > 0 && ceiling > 0 && n.get("sgemm_ms").asDouble() > 0, lines[0]);
        assertEquals(96, n.get("sgemm_n").asInt());
        // 2 FLOPs per multiply-add, per second of the median step (ms is printed to 0.01, so 1 % slack)
        assertEquals(2 * 3 * gmacs * 1e9 * 2 / (n.get("ms").asDouble() * 1e-3) / 1e12, tflops, tflops * 0.01);
        assertEquals(2.0 * 96 * 96 * 96 / (n.get("sgemm_ms").asDouble() * 1e-3) / 1e12, ceiling, ceiling * 0.01);
        // each number is printed to 6 significant digits
        assertEquals(tflops / ceiling, n.get("fraction_of_sgemm").asDouble(), tflops / ceiling * 1e-4);
        assertEquals("fp32", n.get("precision").asText());
        // the steps' tensors (weights, AdamW state, activations) took memory; reserved >= allocated
        assertTrue(n.get("peak_allocated_gib").asDouble() > 0, n.toString());
        assertTrue(n.get("peak_reserved_gib").asDouble() >= n.get("peak_allocated_gib").asDouble(), n.toString());
    }

    @Test void reducedPrecisionOnTheCpuIsAUsageError() {
        AppRun.Result r = run("--precision", "bf16");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("--precision bf16 needs --device cuda"), r.err());
        AppRun.Result bad = run("--precision", "fp8");
        assertEquals(2, bad.exitCode(), bad.out());
        assertTrue(bad.err().contains("unknown precision 'fp8': expected fp32, tf32 or bf16"), bad.err());
    }

    @Test void inferenceCountsOneForwardAndTheTextLineNamesTheCeiling() {
        AppRun.Result r = run("--sgemm-n", "96", "--inference");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        String line = lines[0];
        assertTrue(line.startsWith("inference vim-nano on cpu (fp32 matmuls), batch 2 at 28: median"), line);
        assertTrue(line.contains(" TFLOP/s (1 x ") && line.contains("GMACs/img, 2 FLOPs per MAC)")
                && line.contains("of the matmul ceiling") && line.contains("(n=96,"), line);
        assertTrue(lines[1].startsWith("peak device memory of the steps: ") && lines[1].contains(" GiB allocated by tensors"), lines[1]);
    }

    @Test void badSgemmSizeIsAUsageError() {
        AppRun.Result r = run("--sgemm-n", "0");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("--sgemm-n must be >= 1, got 0"), r.err());
    }
}
