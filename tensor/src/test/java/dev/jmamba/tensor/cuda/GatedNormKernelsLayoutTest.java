package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side of the gated layer norm (norm_gated.cu): how z is read, which rows take the warp kernels, their shared
 * memory within what a Hopper block may opt into, and (with nvcc) each kernel's parameter list against what
 * GatedNormKernels packs.
 */
class GatedNormKernelsLayoutTest {

    /** The gated norm reads z in place when its rows are evenly spaced with contiguous channels, else copies. */
    @Test
    void gateRowStride() {
        Tensor wide = Tensor.zeros(2, 3, 4, 10);
        assertEquals(10, GatedNormKernels.rowStride(wide.narrow(3, 5, 5), 5), "channel slice of (B, H, W, 2C)");
        assertEquals(5, GatedNormKernels.rowStride(wide.narrow(3, 5, 5).contiguous(), 5), "contiguous");
        assertEquals(-1, GatedNormKernels.rowStride(wide.narrow(2, 0, 3).narrow(3, 0, 5), 5), "rows not evenly spaced");
        assertEquals(-1, GatedNormKernels.rowStride(wide.transpose(2, 3), 4), "channels strided");
        assertEquals(7, GatedNormKernels.rowStride(Tensor.zeros(1, 7), 7), "one row");
    }

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
        String ptx = NormKernelsLayoutTest.launcherPtx(tmp, GatedNormKernels.SOURCE);
        String p = ".u64", i = ".u32";
        // (x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps)
        assertEquals(List.of(p, p, p, p, ".u64", p, p, p, i, i, ".f64"),
                NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_warp_f32"));
        // (gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c, rows_per_block)
        assertEquals(List.of(p, p, p, p, p, p, p, ".u64", p, p, p, i, i, i),
                NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_backward_warp_f32"));
        assertEquals(List.of(p, p, p, p, p, p, p, ".u64", p, p, p, i, i, i),   // the rows kernel takes the same arguments
                NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_backward_rows_f32"));
        for (String dt : new String[] {"f32", "f64"}) {
            // block kernels: (x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps)
            assertEquals(List.of(p, p, p, p, ".u64", p, p, p, i, i, ".f64"), NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_" + dt));
            // (gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c, rows_per_block, use_shared)
            assertEquals(List.of(p, p, p, p, p, p, p, ".u64", p, p, p, i, i, i, i),
                    NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_gated_backward_" + dt));
        }
    }
}
