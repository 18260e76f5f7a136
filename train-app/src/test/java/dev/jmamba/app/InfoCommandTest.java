package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code jmamba info} through {@link Main#run}. */
class InfoCommandTest {

    record Result(int exitCode, String out, String err) {}

    private static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test void jsonEndsWithTheSummaryLine() throws Exception {
        Result r = run("info", "--model", "vim-tiny", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("vim-tiny", last.get("model").asText());
        assertEquals(224, last.get("resolution").asInt());
        assertEquals(7_148_008L, last.get("params").asLong());
        assertTrue(last.get("flops").asLong() > 1_000_000_000L);
    }

    @Test void textTableListsTheParts() {
        Result r = run("info", "--model", "vmamba-tiny", "--resolution", "256");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("stage 3") && r.out().contains("30,249,064"), r.out());
    }

    @Test void unknownModelIsAUsageError() {
        Result r = run("info", "--model", "nope");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown model 'nope'"), r.err());
    }
}
