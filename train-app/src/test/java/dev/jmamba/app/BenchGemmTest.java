package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code jmamba bench gemm} through {@link Main#run}: the kernel line, one JSON line per shape, the model list, usage errors. */
class BenchGemmTest {
    @Test void jsonHasTheKernelLineThenOneLinePerShape() throws Exception {
        AppRun.Result r = AppRun.run("bench", "gemm", "--shape", "9,17,5", "--shape", "20,3,7,1,1", "--repeats", "1",
                "--warmup-ms", "0", "--shape-warmup-ms", "0", "--cpu-ms", "0", "--threads", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(3, lines.length, r.out());
        ObjectMapper json = new ObjectMapper();
        JsonNode kernel = json.readTree(lines[0]);
        assertEquals("gemm-kernel", kernel.get("case").asText());
        assertTrue(kernel.get("kernel").asText().contains("tile"), lines[0]);
        JsonNode second = json.readTree(lines[2]);
        assertEquals("gemm", second.get("case").asText());
        assertEquals(20, second.get("m").asInt());
        assertEquals(3, second.get("n").asInt());
        assertEquals(7, second.get("k").asInt());
        assertEquals(1, second.get("ta").asInt());
        assertEquals(1, second.get("tb").asInt());
        assertTrue(second.get("ms").asDouble() > 0, lines[2]);
    }

    /** On more than one thread each shape line carries the two-thread round trip measured before its runs (one thread: none). */
    @Test void aShapeOnTwoThreadsReportsTheThreadRoundTrip() throws Exception {
        AppRun.Result r = AppRun.run("bench", "gemm", "--shape", "64,64,64", "--repeats", "1",
                "--warmup-ms", "0", "--shape-warmup-ms", "0", "--cpu-ms", "0", "--threads", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode shape = new ObjectMapper().readTree(r.out().strip().split("\\R")[1]);
        assertEquals(2, shape.get("threads").asInt());
        if (Runtime.getRuntime().availableProcessors() >= 2) {
            double ns = shape.get("thread_round_trip_ns").asDouble();
            assertTrue(ns > 0 && ns < 1e6, "round trip " + ns + " ns");
        } else {
            assertTrue(shape.get("thread_round_trip_ns") == null, r.out());
        }
        AppRun.Result one = AppRun.run("bench", "gemm", "--shape", "8,8,8", "--repeats", "1",
                "--warmup-ms", "0", "--shape-warmup-ms", "0", "--cpu-ms", "0", "--threads", "1", "--json");
        assertTrue(new ObjectMapper().readTree(one.out().strip().split("\\R")[1]).get("thread_round_trip_ns") == null, one.out());
    }

    /** {@code --serve}: one gemm-batch line per request, a gemm-error line for a malformed one, and the end of input ends it. */
    @Test void serveAnswersEachRequestWithOneBatchLine() throws Exception {
        java.io.InputStream oldIn = System.in;
        AppRun.Result r;
        try {
            System.setIn(new java.io.ByteArrayInputStream("9,17,5,0,0 5\noops\n\n20,3,7,1,1 5\n9,17,5,0,0 0\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            r = AppRun.run("bench", "gemm", "--serve", "--warmup-ms", "0", "--shape-warmup-ms", "0", "--threads", "1");
        } finally {
            System.setIn(oldIn);
        }
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(5, lines.length, r.out());
        ObjectMapper json = new ObjectMapper();
        assertEquals("gemm-kernel", json.readTree(lines[0]).get("case").asText());
        JsonNode first = json.readTree(lines[1]);
        assertEquals("gemm-batch", first.get("case").asText());
        assertEquals(9, first.get("m").asInt());
        assertEquals(17, first.get("n").asInt());
        assertEquals(5, first.get("k").asInt());
        assertTrue(first.get("calls").asInt() >= 5 && first.get("ms").asDouble() > 0 && first.get("p10_ms").asDouble() <= first.get("ms").asDouble(), lines[1]);
        assertEquals("gemm-error", json.readTree(lines[2]).get("case").asText());
        assertTrue(json.readTree(lines[2]).get("message").asText().contains("oops"), lines[2]);
        JsonNode second = json.readTree(lines[3]);
        assertEquals(1, second.get("ta").asInt());
        assertEquals(1, second.get("tb").asInt());
        assertEquals("gemm-error", json.readTree(lines[4]).get("case").asText(), "a batch of 0 ms is refused: " + lines[4]);
    }

    /** The ceiling, on a tile of 8 or 9 accumulators also the ceiling of that many chains, then eight tile lines. */
    @Test void tileProbeJsonHasTheCeilingsAndEightTileLines() throws Exception {
        AppRun.Result r = AppRun.run("bench", "gemm", "--tile-probe", "--json", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertTrue(lines.length == 9 || lines.length == 10, r.out());
        ObjectMapper json = new ObjectMapper();
        assertEquals("fma-ceiling", json.readTree(lines[0]).get("what").asText());
        if (lines.length == 10) assertTrue(json.readTree(lines[1]).get("what").asText().matches("fma-ceiling [89] chains"), lines[1]);
        assertTrue(json.readTree(lines[lines.length - 8]).get("what").asText().endsWith("B in L1"), r.out());
        JsonNode last = json.readTree(lines[lines.length - 1]);
        assertEquals("gemm-tile-probe", last.get("case").asText());
        assertTrue(last.get("what").asText().endsWith("B from L2"), lines[lines.length - 1]);
        assertEquals(12, last.get("b_offset_floats").asInt());
        assertTrue(last.get("gflops").asDouble() > 0, lines[8]);
    }

    @Test void modelShapesAreListedWithTheirOrigin() {
        AppRun.Result r = AppRun.run("bench", "gemm", "--list-model-shapes");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(BenchGemm.MODEL_SHAPES.size(), r.out().strip().split("\\R").length, r.out());
        assertTrue(r.out().contains("1600,192,48,0,1  vim-nano in_proj forward"), r.out());
    }

    @Test void badShapesAreUsageErrors() {
        for (String bad : new String[] {"5,5", "5,5,x", "0,5,5", "5,5,5,2,0", "5,5,5,1"}) {
            AppRun.Result r = AppRun.run("bench", "gemm", "--shape", bad);
            assertEquals(2, r.exitCode(), bad + ": " + r.out());
            r.assertOneCleanErrorLine();
            assertTrue(r.err().contains("--shape"), r.err());
        }
        for (String option : new String[] {"--shape-warmup-ms", "--cpu-ms"}) {
            AppRun.Result r = AppRun.run("bench", "gemm", option, "-1");
            assertEquals(2, r.exitCode(), option + ": " + r.out());
            r.assertOneCleanErrorLine();
            assertTrue(r.err().contains(option), r.err());
        }
    }
}
