package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With nvcc: the parameter list of the fused depthwise conv + SiLU kernels against what DepthwiseSiluKernels packs. */
class DepthwiseSiluLayoutTest {

    /** PTX parameters of {@code kernel} in order: ".u64" for pointers, ".b8[N]" for a by-value struct of N bytes. */
    private static List<String> parameters(String ptx, String kernel) {
        int at = ptx.indexOf(".entry " + kernel + "(");
        assertTrue(at >= 0, "no kernel " + kernel);
        String params = ptx.substring(at, ptx.indexOf(')', at));
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\.param (?:\\.align \\d+ )?(\\.\\w+) " + Pattern.quote(kernel) + "_param_\\d+(\\[\\d+\\])?").matcher(params);
        while (m.find()) out.add(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
        return out;
    }

    @Test
    void kernelParametersMatchTheLauncher(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require("dw_silu.cu parameter check");
        Path file = tmp.resolve(DepthwiseSiluKernels.SOURCE);
        Files.writeString(file, Launcher.source(DepthwiseSiluKernels.SOURCE));
        String ptx = Nvcc.ptx(nvcc, file, tmp.resolve("dw_silu.ptx"));
        List<String> expected = List.of(".u64", ".u64", ".u64", ".u64", ".u64", ".b8[" + ConvKernels.CONV_BYTES + "]"); // x, w, bias, gy, out, JmConv
        for (String dt : new String[] {"f32", "f64"}) {
            assertEquals(expected, parameters(ptx, "dw_silu_" + dt));
            assertEquals(expected, parameters(ptx, "dw_silu_plane_" + dt));
            assertEquals(expected, parameters(ptx, "dw3_silu_plane_" + dt));
        }
        for (String dt : new String[] {"f32", "bf16"}) {   // (x, w, bias, y, planes, c, h, w, group); (gy, x, w, bias, gx, partial, ...)
            assertEquals(List.of(".u64", ".u64", ".u64", ".u64", ".u64", ".u32", ".u32", ".u32", ".u32"), parameters(ptx, "dw3_planes_forward_" + dt));
            assertEquals(List.of(".u64", ".u64", ".u64", ".u64", ".u64", ".u64", ".u64", ".u32", ".u32", ".u32", ".u32"),
                    parameters(ptx, "dw3_planes_backward_" + dt));
        }
    }
}
