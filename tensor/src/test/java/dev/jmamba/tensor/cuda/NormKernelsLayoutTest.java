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

/**
 * The host side of the fused add + RMS norm kernels: the backward grid, the constants shared with
 * norm.cu, and (with nvcc) the parameter list of each kernel against what NormKernels packs.
 */
class NormKernelsLayoutTest {

    /** Every backward block gets at least one row, the grid stays within its cap, all rows are covered. */
    @Test
    void backwardGridCoversEveryRowWithNonEmptyBlocks() {
        for (int rows : new int[] {1, 2, 1023, 1024, 1025, 2051, 25_216, 1 << 20}) {
            int perBlock = NormKernels.rowsPerBackwardBlock(rows), blocks = Math.ceilDiv(rows, perBlock);
            assertTrue(blocks <= NormKernels.MAX_BACKWARD_BLOCKS, rows + " rows: " + blocks + " blocks");
            assertTrue((blocks - 1) * perBlock < rows, rows + " rows: the last block is empty");
            assertTrue(blocks * perBlock >= rows, rows + " rows: rows left over");
        }
        assertEquals(1, NormKernels.rowsPerBackwardBlock(1024));
        assertEquals(2, NormKernels.rowsPerBackwardBlock(1025));
    }

    @Test
    void columnSumLanesMatchTheKernelSource() {
        Matcher m = Pattern.compile("#define JM_COLUMN_SUM_ROWS (\\d+)").matcher(Launcher.source(NormKernels.SOURCE));
        assertTrue(m.find(), "norm.cu defines JM_COLUMN_SUM_ROWS");
        assertEquals(NormKernels.COLUMN_SUM_ROWS, Integer.parseInt(m.group(1)));
        // the shared-memory partials (C doubles) plus the 32-double reduction buffer fit the default 48 KiB
        assertTrue(NormKernels.MAX_SHARED_PARTIAL_COLUMNS * Double.BYTES + 32 * Double.BYTES <= 48 * 1024);
    }

    /** PTX parameter types of {@code kernel}, in order (.u64 for pointers, .u32 for ints, .f64 for doubles). */
    static List<String> parameterTypes(String ptx, String kernel) {
        int at = ptx.indexOf(".entry " + kernel + "(");
        assertTrue(at >= 0, "no kernel " + kernel);
        String params = ptx.substring(at, ptx.indexOf(')', at));
        List<String> types = new ArrayList<>();
        Matcher m = Pattern.compile("\\.param (\\.\\w+) " + Pattern.quote(kernel) + "_param_\\d+").matcher(params);
        while (m.find()) types.add(m.group(1));
        return types;
    }

    /** The PTX of kernel file {@code source} as its launcher loads it (nvcc --ptx; skips the test without nvcc). */
    static String launcherPtx(Path tmp, String source) throws Exception {
        Path nvcc = Nvcc.require(source + " parameter check");
        Path file = tmp.resolve(source);
        Files.writeString(file, Launcher.source(source));
        return Nvcc.ptx(nvcc, file, tmp.resolve(source + ".ptx"));
    }

    @Test
    void kernelParametersMatchTheLauncher(@TempDir Path tmp) throws Exception {
        String ptx = launcherPtx(tmp, NormKernels.SOURCE);
        for (String dt : new String[] {"f32", "f64"}) {
            // (x, residual, weight, y, sum, rstd, rows, c, eps)
            assertEquals(List.of(".u64", ".u64", ".u64", ".u64", ".u64", ".u64", ".u32", ".u32", ".f64"),
                    parameterTypes(ptx, "add_rms_norm_" + dt));
            // (gy, gsum, sum, rstd, weight, gx, partial, rows, c, rows_per_block, use_shared)
            assertEquals(List.of(".u64", ".u64", ".u64", ".u64", ".u64", ".u64", ".u64", ".u32", ".u32", ".u32", ".u32"),
                    parameterTypes(ptx, "add_rms_norm_backward_" + dt));
            // (partial, out, blocks, c)
            assertEquals(List.of(".u64", ".u64", ".u32", ".u32"), parameterTypes(ptx, "column_sum_" + dt));
        }
    }
}
