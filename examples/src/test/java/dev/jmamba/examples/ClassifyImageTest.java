package dev.jmamba.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the ClassifyImage example's self-check (it throws on any wrong answer). */
class ClassifyImageTest {
    @Test
    void selfCheckPasses() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            ClassifyImage.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        System.out.print(out);
        assertTrue(out.contains("bar.png: [") && out.contains("ClassifyImage self-check passed"), out);
    }
}
