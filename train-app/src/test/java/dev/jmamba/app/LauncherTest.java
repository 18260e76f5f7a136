package dev.jmamba.app;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code ./jmamba} launcher script, run against a stand-in jar (a manifest whose class path
 * is this test's classes, so nothing is built): the JVM's incubator warning is dropped unless
 * --verbose, the app's stderr arrives complete, JMAMBA_JAVA_OPTS reaches the JVM.
 */
class LauncherTest {
    @TempDir static Path root;

    @BeforeAll static void standInProject() throws IOException {
        Files.copy(Path.of("..", "jmamba"), root.resolve("jmamba"));
        Path target = Files.createDirectories(root.resolve("train-app/target"));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            String rel = target.relativize(p).toString().replace(File.separatorChar, '/');
            cp.add(Files.isDirectory(p) ? rel + "/" : rel);
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", cp));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(target.resolve("jmamba.jar")), m)) {
            jar.flush();
        }
    }

    private record Run(int code, String out, String err) {}

    private static Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("jmamba").toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(root, "out", ".txt"), err = Files.createTempFile(root, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("JMAMBA_DEBUG");
        pb.environment().remove("JMAMBA_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not finish");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test void theIncubatorWarningIsDroppedAndTheErrorLineArrivesWhole() throws Exception {
        Run r = launch(Map.of(), "bench", "gemm", "--n", "0");
        assertEquals(2, r.code(), r.err());
        assertEquals("jmamba bench gemm: --n must be >= 1, got 0\n", r.err());
        Run verbose = launch(Map.of(), "bench", "gemm", "--n", "0", "--verbose");
        assertEquals(2, verbose.code(), verbose.err());
        assertEquals("WARNING: Using incubator modules: jdk.incubator.vector\njmamba bench gemm: --n must be >= 1, got 0\n", verbose.err());
    }

    @Test void javaOptionsFromTheEnvironmentReachTheJvm() throws Exception {
        Run printed = launch(Map.of("JMAMBA_JAVA_OPTS", "-Xmx48m -Dx=1"), "--print-java-command");
        assertEquals(0, printed.code(), printed.err());
        assertTrue(printed.out().contains(" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx48m -Dx=1 -jar "), printed.out());
        Run oom = launch(Map.of("JMAMBA_JAVA_OPTS", "-Xmx48m"), "bench", "gemm", "--n", "6000", "--repeats", "1", "--warmup-ms", "0");
        assertEquals(1, oom.code(), oom.err());
        assertTrue(oom.err().startsWith("jmamba bench gemm: out of memory (Java heap space; the JVM may use at most 48 MiB): use a smaller --n;"), oom.err());
        assertEquals(1, oom.err().lines().count(), oom.err());
    }
}
