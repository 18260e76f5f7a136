package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.app.data.TurboJpeg;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jmamba bench loader} through {@link Main#run}: one JSON line per (pipeline, workers) with the stage times; usage errors. */
class BenchLoaderTest {

    @TempDir Path dir;

    @Test
    void oneJsonLinePerPipelineAndWorkerCountOnAKeptGeneratedFolder() throws Exception {
        Path data = dir.resolve("gen");
        AppRun.Result r = AppRun.run("bench", "loader", "--generate", data.toString(), "--images", "12", "--batch-size", "4",
                "--workers", "1,2", "--pipeline", "imageio,fused", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(4, lines.length, r.out());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 4; i++) {
            JsonNode n = json.readTree(lines[i]);
            assertEquals("loader", n.get("bench").asText());
            assertEquals(i < 2 ? "imageio" : "fused", n.get("pipeline").asText());
            assertEquals(i % 2 == 0 ? 1 : 2, n.get("workers").asInt());
            assertEquals(2 * n.get("workers").asInt() + 2, n.get("prefetch").asInt());
            assertEquals(12, n.get("images").asInt());
            assertTrue(n.get("img_per_s").asDouble() > 0, lines[i]);
            assertTrue(n.get("decode_ms").asDouble() > 0, lines[i]);
            assertTrue(n.get("augment_ms").asDouble() > 0, lines[i]);
            assertTrue(n.get("collate_ms").asDouble() >= 0, lines[i]);
            assertTrue(n.has("wait_ms_per_batch") && n.has("ready_batches") && n.has("img_per_cpu_s"), lines[i]);
        }
        assertEquals(TurboJpeg.available() ? "turbojpeg" : "imageio", json.readTree(lines[2]).get("decoder").asText());
        assertTrue(Files.isDirectory(data.resolve("train/class0")), "--generate keeps the images");
        assertTrue(Files.isDirectory(data.resolve("val/class3")), "and writes a val split for train --data");

        AppRun.Result again = AppRun.run("bench", "loader", "--data", data.toString(), "--images", "8", "--batch-size", "4",
                "--workers", "1", "--json");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(8, json.readTree(again.out().strip()).get("images").asInt());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        AppRun.Result pipeline = AppRun.run("bench", "loader", "--pipeline", "magic", "--images", "4", "--batch-size", "2");
        assertEquals(2, pipeline.exitCode());
        pipeline.assertOneCleanErrorLine();
        AppRun.Result filter = AppRun.run("bench", "loader", "--filter", "lanczos");
        assertEquals(2, filter.exitCode());
        filter.assertOneCleanErrorLine();
        AppRun.Result missing = AppRun.run("bench", "loader", "--data", dir.resolve("nothing").toString());
        assertEquals(1, missing.exitCode());
        missing.assertOneCleanErrorLine();
    }

    /** --pipeline nvjpeg where nvJPEG cannot run (no CUDA device here, or no libnvjpeg): one sentence, exit 1. */
    @Test
    void nvjpegWithoutItsLibraryOrAGpuSaysWhyInOneSentence() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.jmamba.app.data.cuda.NvjpegLoader.unavailableReason(
                dev.jmamba.tensor.Backends.defaultDevice()) != null, "nvJPEG runs here: the gpu test covers it");
        AppRun.Result r = AppRun.run("bench", "loader", "--generate", dir.resolve("nv").toString(), "--images", "4", "--batch-size", "2",
                "--workers", "1", "--pipeline", "nvjpeg");
        assertEquals(1, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("--pipeline nvjpeg") && (r.err().contains("CUDA") || r.err().contains("nvJPEG")), r.err());
    }
}
