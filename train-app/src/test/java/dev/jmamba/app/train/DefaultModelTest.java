package dev.jmamba.app.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.app.AppRun;
import dev.jmamba.vision.Backbones;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: {@code jmamba train} without {@code --model} trains a Mamba (a backbone of the vision registry, not one
 * of the CNNs), its help says which, and {@code small-cnn} is still there to choose.
 */
class DefaultModelTest {
    @TempDir Path tmp;

    @Test void aRunWithoutModelTrainsTheMambaDefaultAndRecordsIt() throws Exception {
        Path run = tmp.resolve("run");
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--max-steps", "2", "--batch-size", "8", "--train-limit", "64",
                "--val-limit", "16", "--out", run.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("checkpoint").resolve("config.json").toFile());
        String model = cfg.at("/model/name").asText();
        assertEquals("vmamba-nano", model);
        assertTrue(Backbones.names().contains(model), model + " is a vision Mamba backbone");
        assertTrue(r.out().contains("vmamba-nano"), r.out());
    }

    @Test void helpNamesTheDefaultAndSmallCnnRemains() {
        String help = AppRun.run("train", "--help").out();
        assertTrue(help.contains("default: vmamba-nano") && help.contains("(default vmamba-nano)"), help);
        assertTrue(help.contains("small-cnn"), "small-cnn is still a listed model: " + help);
    }
}
