package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code jmamba bench scan} through {@link Main#run}: one JSON line with the measured fields, usage errors. */
class BenchScanTest {

    private static String[] run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test void jsonIsOneLineWithTimesBytesAndSpeedups() throws Exception {
        String[] r = run("bench", "scan", "--shape", "1,8,70,4,2", "--repeats", "1", "--ref-repeats", "1", "--json");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\\R");
        assertEquals(1, lines.length, r[1]);
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
        String[] r = run("bench", "scan", "--shape", "2,96,x,16");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--shape"), r[2]);
        String[] g = run("bench", "scan", "--shape", "1,6,10,4,4");
        assertEquals("2", g[0]);
        assertTrue(g[2].contains("multiple of groups"), g[2]);
    }
}
