package dev.jmamba.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.curves.Locality;
import dev.jmamba.tensor.JmambaException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every example on the CPU, as a reader would: each must finish its own closing checks
 * (which throw {@link ExampleFailure}), and the printed text must carry what the example promises.
 */
class ExamplesTest {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private String printed() { return buffer.toString(StandardCharsets.UTF_8); }

    @Test void scanByHandPrintsEveryPositionAndPassesItsChecks() {
        ScanByHand.run(out);
        String text = printed();
        assertTrue(text.contains("h[l]    = a[l] * h[l-1] + bu[l]"), text);
        assertTrue(text.contains(" 3   0.0  1.0  (0.5000, 0.2500)"), "position 3 of the README table:\n" + text);
        assertTrue(text.contains("1.7421875"), text);
        assertEquals(6, text.lines().filter(l -> l.startsWith("check ") && l.contains(" ok ")).count(), text);
    }

    @Test void autogradByHandMatchesFiniteDifferencesAndLearnsTheQuadrants() {
        double accuracy = AutogradByHand.run(out);
        assertTrue(accuracy >= 0.9, "accuracy " + accuracy);
        assertTrue(printed().contains("W1[0]"), printed());
    }

    @Test void curvesGalleryWritesAPicturePerOrderAndSize(@TempDir Path dir) throws Exception {
        Map<String, Locality> stats = CurvesGallery.run(out, "--out", dir.toString());
        // 10 main orders; Peano is undefined on 8x8, Moore on 9x9, both on 12x15
        assertEquals(9 + 9 + 8, stats.size(), stats.keySet().toString());
        for (String key : stats.keySet()) {
            String[] nameSize = key.split("@");
            assertTrue(Files.size(dir.resolve(nameSize[0] + "-" + nameSize[1] + ".png")) > 0, key);
        }
        assertEquals(1.0, stats.get("hilbert@8x8").meanJump(), 1e-12);
    }

    @Test void tinyVimLearnsTheStrokes() {
        double accuracy = TinyVim.run(out);
        assertTrue(accuracy >= 0.9, "accuracy " + accuracy + "\n" + printed());
    }

    @Test void everyExampleIsListedOnceAndFoundByName() {
        assertEquals(5, Examples.ALL.size());
        for (Examples.Entry e : Examples.ALL) assertEquals(e, Examples.find(e.name()));
        JmambaException unknown = assertThrows(JmambaException.class, () -> Examples.find("nope"));
        assertTrue(unknown.getMessage().contains("scan-by-hand"), unknown.getMessage());
    }

    @Test void aFailedCheckThrowsWithTheNumbers() {
        ExampleFailure f = assertThrows(ExampleFailure.class, () -> Checks.close(out, "x", new double[] {1, 2}, new double[] {1, 2.5}, 1e-3));
        assertTrue(f.getMessage().contains("element 1 is 2.5, expected 2.0"), f.getMessage());
        assertThrows(ExampleFailure.class, () -> Checks.close(out, "nan", 0, Double.NaN, 1));
        assertThrows(ExampleFailure.class, () -> Checks.that(out, "claim", false, "measured"));
    }

    @Test void optionsAreCheckedByName() {
        JmambaException e = assertThrows(JmambaException.class, () -> TinyVim.run(out, "--stepz", "3"));
        assertTrue(e.getMessage().contains("unknown option '--stepz'") && e.getMessage().contains("--steps"), e.getMessage());
        assertThrows(JmambaException.class, () -> TinyVim.run(out, "--steps", "many"));
    }
}
