package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code jmamba info} through {@link Main#run}. */
class InfoCommandTest {

    @Test void jsonEndsWithTheSummaryLine() throws Exception {
        AppRun.Result r = AppRun.run("info", "--model", "vim-tiny", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("vim-tiny", last.get("model").asText());
        assertEquals(224, last.get("resolution").asInt());
        assertEquals(7_148_008L, last.get("params").asLong());
        assertTrue(last.get("flops").asLong() > 1_000_000_000L);
    }

    @Test void textTableListsTheParts() {
        AppRun.Result r = AppRun.run("info", "--model", "vmamba-tiny", "--resolution", "256");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("stage 3") && r.out().contains("30,249,064"), r.out());
    }

    @Test void theBuiltInCnnsAreCountedToo() throws Exception {
        AppRun.Result r = AppRun.run("info", "--model", "small-cnn", "--resolution", "28", "--classes", "10", "--in-channels", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        long parts = 0;
        for (int i = 0; i < lines.length - 1; i++) parts += new ObjectMapper().readTree(lines[i]).get("params").asLong();
        assertEquals("small-cnn", last.get("model").asText());
        assertEquals(parts, last.get("params").asLong(), "the parts add up to the total");
        long built = dev.jmamba.vision.models.ModelRegistry.create(
                new dev.jmamba.vision.models.ModelRegistry.ModelChoice("small-cnn", 10, 1, 28, 0, 0)).module().numParameters();
        assertEquals(built, last.get("params").asLong());
        assertTrue(last.get("flops").isNull(), r.out());
        AppRun.Result text = AppRun.run("info", "--model", "tiny-cnn", "--resolution", "28");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("tiny-cnn at 28x28") && text.out().contains("total"), text.out());
    }

    @Test void unknownModelIsAUsageError() {
        AppRun.Result r = AppRun.run("info", "--model", "nope");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown model 'nope'"), r.err());
    }
}
