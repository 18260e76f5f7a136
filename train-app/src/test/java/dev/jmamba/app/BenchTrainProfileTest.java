package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jmamba bench train --profile} on a tiny Vim on the CPU. */
class BenchTrainProfileTest {
    private static final String[] TINY = {"bench", "train", "--device", "cpu", "--model", "vim-nano", "--resolution", "28",
            "--classes", "10", "--batch-size", "2", "--steps", "1", "--warmup", "0", "--profile"};

    private static String run(String... extra) {
        String[] args = new String[TINY.length + extra.length];
        System.arraycopy(TINY, 0, args, 0, TINY.length);
        System.arraycopy(extra, 0, args, TINY.length, extra.length);
        AppRun.Result r = AppRun.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return r.out();
    }

    @Test void tablePutsTheHeavyOpsOnTop() {
        String out = run();
        String[] lines = out.strip().split("\n");
        assertTrue(lines[0].startsWith("train vim-nano on cpu"), out);
        int header = -1, outside = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("op ")) header = i;
            if (lines[i].startsWith(ProfileReport.OUTSIDE)) outside = i;
        }
        assertTrue(header > 0 && outside > header, "a table header and the outside-ops row: " + out);
        // which ops rank highest depends on timing (a shared machine); what must hold is that the
        // model's known primitives are listed and the rows are sorted by host time
        List<String> ops = new ArrayList<>();
        List<Double> ms = new ArrayList<>();
        for (int i = header + 1; i < outside; i++) {
            String[] f = lines[i].trim().split("\\s+");
            ops.add(f[0]);
            ms.add(Double.parseDouble(f[2]));
        }
        assertTrue(ops.contains("matmul"), "matmul is listed: " + ops);
        assertTrue(ops.stream().anyMatch(op -> op.startsWith("SelectiveScan")), "the selective scan is listed: " + ops);
        for (int i = 1; i < ms.size(); i++) assertTrue(ms.get(i - 1) >= ms.get(i), "rows sorted by host ms: " + out);
        assertTrue(out.contains("AdamW.step"), out);
        // the memory breakdown follows the table: its parts, then the largest saved-for-backward ops
        assertTrue(lines[outside + 1].startsWith("memory of one training step"), out);
        assertTrue(out.contains("  saved for backward ") && out.contains("  peak allocated ") && out.contains("    saved by matmul"), out);
        assertTrue(out.contains("  most held at an op boundary "), out);
    }

    @Test void jsonHasTheSummaryThenOneLinePerOp() throws Exception {
        String[] lines = run("--json").strip().split("\n");
        ObjectMapper mapper = new ObjectMapper();
        assertEquals("train", mapper.readTree(lines[0]).get("case").asText());
        double pct = 0;
        boolean matmul = false;
        JsonNode memory = mapper.readTree(lines[lines.length - 1]);
        assertEquals("memory", memory.get("case").asText(), "the memory breakdown comes last");
        JsonNode parts = memory.get("memory_gib");
        double known = parts.get("parameters").asDouble() + parts.get("gradients").asDouble()
                + parts.get("optimizer_state").asDouble() + parts.get("saved_for_backward").asDouble();
        assertTrue(parts.get("saved_for_backward").asDouble() > 0 && parts.get("peak_allocated").asDouble() >= known - 1e-4, lines[lines.length - 1]);
        assertTrue(memory.get("saved_gib_by_op").has("matmul"), lines[lines.length - 1]);
        JsonNode opPeak = memory.get("op_boundary_peak");
        assertTrue(opPeak != null && opPeak.get("gib").asDouble() > 0 && opPeak.get("op_index").asLong() <= opPeak.get("op_count").asLong()
                && !opPeak.get("at").asText().isEmpty(), "where the most memory was held: " + lines[lines.length - 1]);
        lines = java.util.Arrays.copyOf(lines, lines.length - 1);
        for (int i = 1; i < lines.length; i++) {
            JsonNode op = mapper.readTree(lines[i]);
            assertEquals("profile", op.get("case").asText());
            assertTrue(op.get("host_ms").asDouble() >= 0 && op.get("calls").asLong() >= 0, lines[i]);
            assertTrue(op.get("device_ms").isNull(), "no device time on the CPU: " + lines[i]);
            assertEquals(0, op.get("syncs").asLong(), "no host syncs on the CPU");
            matmul |= op.get("op").asText().equals("matmul") && op.get("calls").asLong() > 0;
            pct += op.get("pct").asDouble();
        }
        assertTrue(matmul);
        // self times plus the outside row add up to the step; each pct is rounded to 0.01
        assertEquals(100, pct, 0.01 * lines.length);
        assertFalse(lines[lines.length - 1].contains("\"calls\":1"), "the last line is the outside-ops row");
    }
}
