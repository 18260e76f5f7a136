package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side of the warp-per-row gated layer norm (norm_gated.cu): which rows take it, its shared memory within
 * what a Hopper block may opt into, and (with nvcc) each kernel's parameter list against what GatedNormKernels packs.
 */
class GatedNormKernelsLayoutTest {

    @Test
    void float32RowsUpToTheSharedMemoryLimitTakeTheWarpKernels() {
        for (int c : new int[] {1, 160, 320, 640, 1280, GatedNormKernels.MAX_WARP_CHANNELS}) {
            assertTrue(GatedNormKernels.warpRows(c, DType.F32), c + " float32 channels");
        }
        assertFalse(GatedNormKernels.warpRows(GatedNormKernels.MAX_WARP_CHANNELS + 1, DType.F32), "wider rows: block kernels");
        assertFalse(GatedNormKernels.warpRows(160, DType.F64), "float64: block kernels");
        // 227 KiB is the most dynamic shared memory an sm_90 block may opt into
        assertTrue(GatedNormKernels.backwardSharedBytes(GatedNormKernels.MAX_WARP_CHANNELS) <= 227 * 1024);
    }

    @Test
    void kernelParametersMatchTheLauncher(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require("norm_gated.cu parameter check");
        Path file = tmp.resolve(GatedNormKernels.SOURCE);
        Files.writeString(file, Launcher.source(GatedNormKernels.SOURCE));
        String ptx = Nvcc.ptx(nvcc, file, tmp.resolve("norm_gated.ptx"));
        String p = ".u64", i = ".u32";
        // (x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps)
        assertEquals(List.of(p, p, p, p, ".u64", p, p, p, i, i, ".f64"),
                NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_warp_f32"));
        // (gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c, rows_per_block)
        assertEquals(List.of(p, p, p, p, p, p, p, ".u64", p, p, p, i, i, i),
                NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_backward_warp_f32"));
    }
}
