package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.curves.ScanOrders;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jmamba curves} through {@link Main#run}: JSON output, text grid, PNG, stats, and exit codes. */
class CurvesCommandTest {

    @Test void jsonPrintsExactlyOneObjectLineWithThePermutation() throws Exception {
        AppRun.Result r = AppRun.run("curves", "--order", "hilbert-t-rev", "--size", "5x8", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(1, lines.length, r.out());
        JsonNode node = new ObjectMapper().readTree(lines[0]);
        assertEquals("hilbert-t-rev", node.get("order").asText());
        assertEquals(5, node.get("h").asInt());
        assertEquals(8, node.get("w").asInt());
        int[] perm = new int[node.get("perm").size()];
        for (int i = 0; i < perm.length; i++) perm[i] = node.get("perm").get(i).asInt();
        assertArrayEquals(ScanOrders.of("hilbert-t-rev", 5, 8).perm(), perm);
        assertEquals(4, node.size());
    }

    @Test void textGridShowsTheStepOfEachCell() {
        AppRun.Result r = AppRun.run("curves", "--order", "snake", "--size", "2x3");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains(" 0 1 2" + System.lineSeparator() + " 5 4 3"), r.out());
    }

    @Test void unknownNameIsAUsageErrorOnOneLine() {
        AppRun.Result r = AppRun.run("curves", "--order", "hilbret", "--size", "14x14", "--json");
        assertEquals(2, r.exitCode());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("unknown scan order 'hilbret'") && r.err().contains("snake-col"), r.err());
    }

    @Test void badSizeIsAUsageError() {
        for (String bad : new String[] {"14by14", "0x5", "x3", "-4x4"}) {
            AppRun.Result r = AppRun.run("curves", "--order", "raster", "--size", bad);
            assertEquals(2, r.exitCode(), bad + ": " + r.err());
            assertTrue(r.err().contains("--size"), r.err());
        }
    }

    @Test void curveUndefinedForTheSizeIsARuntimeError() {
        AppRun.Result r = AppRun.run("curves", "--order", "peano", "--size", "14x14", "--json");
        assertEquals(1, r.exitCode());
        assertEquals("", r.out());
        assertTrue(r.err().contains("peano") && r.err().contains("14x14") && r.err().contains("3^k"), r.err());
    }

    @Test void pngIsWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("moore.png");
        AppRun.Result r = AppRun.run("curves", "--order", "moore", "--size", "8x8", "--png", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        byte[] head = Files.readAllBytes(file);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        assertTrue(r.out().contains("wrote"), r.out());
    }

    @Test void statsPrintsTheTableForTheGivenSize() {
        AppRun.Result r = AppRun.run("curves", "--stats", "--size", "16x16");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("| 16x16 | hilbert | 1.000 | 1.992 | 1 | 0.700 | 1.700 | 4.481 | 0 |"), r.out());
        assertTrue(r.out().contains("| 16x16 | moore |"), r.out());
        assertTrue(r.out().contains("not defined for this size: peano"), r.out());
    }

    /** 256x256 took a minute with the all-pairs GL loop and 3000x3000 never ended; now large grids finish and huge ones are refused. */
    @Test void statsOnLargeGridsFinishOrAreRefused() {
        AppRun.Result r = AppRun.run("curves", "--stats", "--size", "256x256");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("| 256x256 | hilbert | 1.000 | 2.000 | 1 |") && r.out().contains("| 5.906 | 0 |"), r.out());
        assertTrue(!r.out().contains("≥"), "every GL is exact at 256x256: " + r.out());
        AppRun.Result huge = AppRun.run("curves", "--stats", "--size", "3000x3000");
        assertEquals(2, huge.exitCode(), huge.err());
        huge.assertOneCleanErrorLine();
        assertTrue(huge.err().contains("--stats works on grids of at most 1048576 cells (e.g. 1024x1024), got 3000x3000"), huge.err());
    }

    @Test void aLongThinGridIsNotCalledMalformed() {
        AppRun.Result r = AppRun.run("curves", "--order", "snake", "--size", "100000x1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        AppRun.Result tooBig = AppRun.run("curves", "--order", "snake", "--size", "99999x99999");
        assertEquals(2, tooBig.exitCode(), tooBig.err());
        assertTrue(tooBig.err().contains("too large (at most 2^28 cells)"), tooBig.err());
    }

    @Test void pngToAFolderIsOneSentence(@TempDir Path dir) {
        AppRun.Result r = AppRun.run("curves", "--order", "hilbert", "--size", "8x8", "--png", dir.toString());
        assertEquals(1, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("cannot write PNG " + dir + ": it is a folder; give a file name such as " + dir.resolve("hilbert.png")), r.err());
    }
}
