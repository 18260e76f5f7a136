package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code .cu} resource with {@code nvcc --ptx -arch=sm_90} (no GPU needed) and checks
 * that the kernels the Java launchers name exist with the parameter sizes they fill in.
 * Skipped, with the reason shown, when nvcc is not on the PATH.
 */
class NvccSyntaxTest {
    private static final Path KERNELS = Path.of("src/main/resources/dev/jmamba/tensor/cuda/kernels");

    private static Path nvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "nvcc");
            if (Files.isExecutable(candidate)) return candidate;
        }
        Path standard = Path.of("/usr/local/cuda/bin/nvcc");
        return Files.isExecutable(standard) ? standard : null;
    }

    private static String compile(Path nvcc, Path source, Path out) throws Exception {
        Process process = new ProcessBuilder(nvcc.toString(), "--ptx", "-arch=sm_90", "--std=c++17", "-o", out.toString(),
                source.toString()).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish within 120 s on " + source);
        assertEquals(0, process.exitValue(), "nvcc --ptx failed on " + source + ":\n" + log);
        return Files.readString(out);
    }

    @Test
    void everyKernelSourceCompiles(@TempDir Path tmp) throws Exception {
        Path nvcc = nvcc();
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH: .cu syntax check skipped");
        List<Path> sources;
        try (Stream<Path> files = Files.list(KERNELS)) {
            sources = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        assertFalse(sources.isEmpty(), "no .cu files under " + KERNELS.toAbsolutePath());
        for (Path source : sources) {
            String ptx = compile(nvcc, source, tmp.resolve(source.getFileName() + ".ptx"));
            assertTrue(ptx.contains(".entry"), source + " produced no kernels");
        }
    }

    @Test
    void elementwiseKernelsMatchTheLauncher(@TempDir Path tmp) throws Exception {
        Path nvcc = nvcc();
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH: .cu syntax check skipped");
        String ptx = compile(nvcc, KERNELS.resolve(CudaKernels.SOURCE), tmp.resolve("elementwise.ptx"));
        for (String kernel : CudaKernels.kernelNames()) {
            assertTrue(ptx.contains(".entry " + kernel + "("), "elementwise.cu has no kernel " + kernel);
        }
        // the struct passed by value has the size the Java side packs
        Matcher shape = Pattern.compile("add_strided_f32_param_4\\[(\\d+)\\]").matcher(ptx);
        assertTrue(shape.find(), "no by-value StridedShape parameter in add_strided_f32");
        assertEquals(CudaKernels.SHAPE_BYTES, Long.parseLong(shape.group(1)));
        // fill's value parameter is a 4-byte float, the count an 8-byte integer
        assertTrue(ptx.contains(".param .f32 fill_f32_param_1"), "fill_f32 parameter 1 should be a float");
        assertTrue(ptx.contains(".param .u64 fill_f32_param_2"), "fill_f32 parameter 2 should be 64-bit");
    }
}
