package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side of the channels-first layer norm kernels (norm_channels.cu): the grid's parts per row, the block
 * shape shared with the source, and (with nvcc) each kernel's parameter list against what ChannelNormKernels packs.
 */
class ChannelNormKernelsLayoutTest {

    /** Parts never exceed a row's 32-column tiles, stay at least one, and aim at TARGET_BLOCKS blocks in all. */
    @Test
    void partsCoverEveryTileWithoutEmptyBlocks() {
        int[][] shapes = {{1, 1}, {256, 49}, {256, 196}, {256, 3136}, {1, 30000}, {3, 300}, {100000, 7}};
        for (int[] s : shapes) {
            int n = s[0], m = s[1], parts = ChannelNormKernels.parts(n, m), tiles = Math.ceilDiv(m, 32);
            assertTrue(parts >= 1 && parts <= tiles, n + "x" + m + ": " + parts + " parts for " + tiles + " tiles");
            assertTrue(parts <= 65535, "grid y");
        }
        assertEquals(8, ChannelNormKernels.parts(256, 3136), "FractalMamba-T stage 1: 98 tiles, 2048 / 256 = 8 parts");
        assertEquals(2, ChannelNormKernels.parts(256, 49), "stage 4: two tiles");
    }

    @Test
    void blockShapeMatchesTheKernelSource() {
        Matcher m = Pattern.compile("#define JM_LNC_ROWS (\\d+)").matcher(Launcher.source(ChannelNormKernels.SOURCE));
        assertTrue(m.find(), "norm_channels.cu defines JM_LNC_ROWS");
        assertEquals(ChannelNormKernels.ROWS, Integer.parseInt(m.group(1)));
    }

    /**
     * The backward's static shared arrays (one per instantiation in the PTX) have the size the launcher adds to its
     * dynamic shared memory when it decides on the opt-in above 48 KiB: a launch that crosses 48 KiB only with them
     * fails without it.
     */
    @Test
    void backwardStaticSharedMemoryMatchesTheLauncher(@TempDir Path tmp) throws Exception {
        String ptx = NormKernelsLayoutTest.launcherPtx(tmp, ChannelNormKernels.SOURCE);
        Matcher m = Pattern.compile("\\.shared \\.align \\d+ \\.b8 (\\w*layer_norm_channels_backward\\w*)\\[(\\d+)\\]").matcher(ptx);
        int found = 0;
        while (m.find()) {
            assertEquals(ChannelNormKernels.STATIC_SHARED_BYTES, Integer.parseInt(m.group(2)), m.group(1));
            found++;
        }
        assertEquals(3, found, "one static array per instantiation (float32, float64, bf16 x)");
    }

    @Test
    void kernelParametersMatchTheLauncher(@TempDir Path tmp) throws Exception {
        String ptx = NormKernelsLayoutTest.launcherPtx(tmp, ChannelNormKernels.SOURCE);
        String p = ".u64", i = ".u32";
        for (String dt : new String[] {"f32", "f64"}) {
            // (x, weight, bias, scale, skip, skip_weight, groups, y, mean, rstd, n, c, m, eps)
            assertEquals(List.of(p, p, p, p, p, p, i, p, p, p, i, i, i, ".f64"),
                    NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_" + dt));
            // (gy, x, mean, rstd, weight, bias, scale, skip, skip_weight, groups, gx, gscale, gskip, partial, partial_skip, n, c, m)
            assertEquals(List.of(p, p, p, p, p, p, p, p, p, i, p, p, p, p, p, i, i, i),
                    NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_backward_" + dt));
        }
    }
}
