package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Executables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the kernels of {@code scan_hidden_norm.cu} without a GPU: the source, with textual substitutions (the PTX ex2
 * becomes std::exp2, the dynamic shared array comes from the emulation, the kernels lose {@code extern "C"}, cp.async
 * becomes the emulation's deferred copy), is
 * compiled by g++ against {@code src/test/emulation/cuda_emulation.h} (one thread per CUDA thread, barriers, shuffles)
 * together with {@code scan_hidden_norm_check.cpp}, a float64 plain-loop reference of the forward and backward whose
 * gradients are checked by finite differences. The program compares y and all nine gradients (tolerance in the .cpp)
 * on five shapes (partial tiles, one position, several warps and groups), for the plain and the prefetching kernels, with tiles of 16
 * and of 8 positions. Skipped when g++ is not installed.
 */
class HiddenNormScanEmulationTest {
    private static final Path KERNEL = Path.of("src/main/resources/dev/jmamba/ssm/cuda/scan_hidden_norm.cu");
    private static final Path EMULATION = Path.of("src/test/emulation");

    @Test void kernelsMatchTheFloat64ReferenceOnTheEmulation(@TempDir Path tmp) throws Exception {
        Path gxx = Executables.onPath("g++");
        Assumptions.assumeTrue(gxx != null, "g++ is not on the PATH: the emulated kernel check is skipped");
        String source = Files.readString(KERNEL);
        String[][] substitutions = {
            {"    asm(\"ex2.approx.ftz.f32 %0, %1;\" : \"=f\"(y) : \"f\"(x));", "    y = std::exp2(x);"},
            {"    extern __shared__ float smem[];", "    float* smem = emu_smem();"},
            {"extern \"C\" __global__", "__global__"},
            {"    asm volatile(\"cp.async.ca.shared.global [%0], [%1], 4, %2;\\n\" :: \"r\"((unsigned)__cvta_generic_to_shared(dst)), \"l\"(src), \"r\"(valid ? 4 : 0));",
                "    emu_cp4(dst, src, valid);"},
            {"{ asm volatile(\"cp.async.commit_group;\\n\" ::); }", "{}"},
            {"{ asm volatile(\"cp.async.wait_group 0;\\n\" ::: \"memory\"); }", "{ emu_cp_wait(); }"}};
        for (String[] s : substitutions) {
            assertTrue(source.contains(s[0]), "scan_hidden_norm.cu no longer contains the text the emulation replaces: " + s[0]);
            source = source.replace(s[0], s[1]);
        }
        Files.writeString(tmp.resolve("scan_hidden_norm_emulated.h"), source);
        Files.copy(EMULATION.resolve("cuda_emulation.h"), tmp.resolve("cuda_emulation.h"));
        Path exe = tmp.resolve("check");
        String log = run(tmp, 300, gxx.toString(), "-std=c++20", "-O1", "-pthread", "-w", "-I", tmp.toString(), "-o", exe.toString(),
                EMULATION.resolve("scan_hidden_norm_check.cpp").toAbsolutePath().toString());
        String out = run(tmp, 300, exe.toString());
        assertTrue(out.contains("ALL OK"), "emulated kernels against the float64 reference:\n" + out + log);
    }

    /** Runs a command in {@code dir}; fails with its output unless it exits 0 within {@code seconds}. */
    private static String run(Path dir, int seconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), command[0] + " did not finish within " + seconds + " s");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
