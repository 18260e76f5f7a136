package dev.jmamba.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The {@code nvcc} compiler for the kernel-source tests: finds it (PATH, then /usr/local/cuda/bin),
 * skips the calling test when it is missing, and compiles one {@code .cu} file to PTX for sm_90
 * (no GPU needed) so the test can inspect the kernels and their parameters.
 */
public final class Nvcc {
    private static final int TIMEOUT_SECONDS = 180;

    private Nvcc() {}

    /** The nvcc executable; skips the calling test (naming {@code check}) when it is not installed. */
    public static Path require(String check) {
        Path nvcc = find();
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH: " + check + " skipped");
        return nvcc;
    }

    private static Path find() {
        Path onPath = Executables.onPath("nvcc");
        if (onPath != null) return onPath;
        Path standard = Path.of("/usr/local/cuda/bin/nvcc");
        return Files.isExecutable(standard) ? standard : null;
    }

    /** Compiles {@code source} with {@code nvcc --ptx -arch=sm_90 --std=c++17} into {@code out} and returns the PTX text. */
    public static String ptx(Path nvcc, Path source, Path out) throws Exception {
        Process process = new ProcessBuilder(nvcc.toString(), "--ptx", "-arch=sm_90", "--std=c++17", "-o", out.toString(),
                source.toString()).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "nvcc did not finish within " + TIMEOUT_SECONDS + " s on " + source);
        assertEquals(0, process.exitValue(), "nvcc --ptx failed on " + source + ":\n" + log);
        return Files.readString(out);
    }

    /**
     * Compiles {@code source} with {@code nvcc -arch=sm_90 --std=c++17} (device code and a host {@code main}, through
     * the host compiler) into the executable {@code out}. A program that calls only {@code __host__} functions runs
     * without a GPU.
     */
    public static Path executable(Path nvcc, Path source, Path out) throws Exception {
        Process process = new ProcessBuilder(nvcc.toString(), "-arch=sm_90", "--std=c++17", "-o", out.toString(), source.toString())
                .redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "nvcc did not finish within " + TIMEOUT_SECONDS + " s on " + source);
        assertEquals(0, process.exitValue(), "nvcc failed on " + source + ":\n" + log);
        return out;
    }

    /** Number of parameters of {@code .entry kernel(...)} in {@code ptx}, or -1 when the kernel is missing. */
    public static int entryParameters(String ptx, String kernel) {
        Matcher m = Pattern.compile("\\.entry " + kernel + "\\(([^)]*)\\)").matcher(ptx);
        if (!m.find()) return -1;
        return (int) Pattern.compile("\\.param ").matcher(m.group(1)).results().count();
    }

    /** The {@code .cu} files directly under {@code dir}, sorted; fails when there are none. */
    public static List<Path> cuSources(Path dir) throws Exception {
        List<Path> sources;
        try (Stream<Path> files = Files.list(dir)) {
            sources = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        assertFalse(sources.isEmpty(), "no .cu files under " + dir.toAbsolutePath());
        return sources;
    }
}
