package dev.jmamba.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helper: runs the app in this JVM (captured stdout / stderr) or in a child JVM. */
public final class AppRun {
    private AppRun() {}

    /** Exit code plus captured stdout and stderr of one run. */
    public record Result(int exitCode, String out, String err) {
        /** Asserts that stderr is a single user-facing line without a stack trace. */
        public void assertOneCleanErrorLine() {
            String e = err.strip();
            assertFalse(e.isEmpty(), "expected an error message, stdout was: " + out);
            assertFalse(e.contains("Exception"), "stack trace or exception name in stderr: " + e);
            assertFalse(e.contains("\tat ") || e.contains("at dev."), "stack trace in stderr: " + e);
            assertTrue(e.lines().filter(l -> l.startsWith("jmamba")).count() == 1, "expected one 'jmamba ...' line, got: " + e);
        }
    }

    /** Runs {@code Main.run(args)} in this JVM with System.out / System.err captured. */
    public static synchronized Result run(String... args) {
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

    /**
     * Starts {@code jmamba args} in a child JVM with this test's class path and the same JVM flags as
     * the launcher (Vector API kernels on, full JIT), output appended to {@code log}.
     */
    public static Process startChild(Path log, String... args) throws IOException {
        return startChild(log, List.of(), args);
    }

    /** As {@link #startChild(Path, String...)}, with extra JVM options (e.g. {@code -Xmx64m}) after the launcher's. */
    public static Process startChild(Path log, List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss8m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Runs a child JVM to completion (at most {@code seconds}) and returns its exit code. */
    public static int runChild(Path log, long seconds, String... args) throws IOException, InterruptedException {
        return runChild(log, seconds, List.of(), args);
    }

    /** As {@link #runChild(Path, long, String...)}, with extra JVM options. */
    public static int runChild(Path log, long seconds, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        Process p = startChild(log, jvmOptions, args);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("child JVM did not finish within " + seconds + " s: jmamba " + String.join(" ", args));
        }
        return p.exitValue();
    }
}
