package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vector API GEMM kernels of both widths against the plain-loop reference, each in a child JVM
 * ({@link SgemmWidthCheck}; the species is fixed per JVM):
 * <ul>
 *   <li>256-bit as on an AVX2-only machine: {@code -XX:UseAVX=2} on x86 (HotSpot then has AVX2's 16
 *       ymm registers and no AVX-512 instructions, which is what the 3x24 and 4x16 tiles are shaped for);</li>
 *   <li>512-bit (AVX-512); on a machine without it the Vector API runs its Java fallback, so the
 *       code paths are still checked, slowly.</li>
 * </ul>
 * Every tile shape and A policy, 1/2/3 threads, odd edge sizes and all transposes (see the check).
 */
class SgemmVectorWidthTest {
    @Test
    void avx2Width256Kernels() throws Exception {
        List<String> flags = new ArrayList<>(List.of("-Djmamba.gemm.vbits=256"));
        String arch = System.getProperty("os.arch");
        if (arch.equals("amd64") || arch.equals("x86_64")) flags.add("-XX:UseAVX=2");
        runChild(256, flags);
    }

    @Test
    void avx512Width512Kernels() throws Exception {
        runChild(512, List.of("-Djmamba.gemm.vbits=512"));
    }

    private static void runChild(int bits, List<String> flags) throws IOException, InterruptedException {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(flags);
        cmd.addAll(List.of(SgemmWidthCheck.class.getName(), Integer.toString(bits)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean finished = p.waitFor(10, TimeUnit.MINUTES);
        if (!finished) p.destroyForcibly();
        String log = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, finished ? p.exitValue() : -1, bits + "-bit child JVM " + cmd + " failed:\n" + log);
    }
}
