package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code jmamba bench scan} through {@link Main#run}: one JSON line with the measured fields, usage errors. */
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
}
