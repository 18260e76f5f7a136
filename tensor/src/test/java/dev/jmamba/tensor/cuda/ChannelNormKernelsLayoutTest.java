package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
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
    private static final String P = ".u64", I = ".u32";
    /** PTX types of (x, weight, bias, scale, skip, skip_weight, groups, y, mean, rstd, n, c, m, eps): what the launcher packs. */
    private static final List<String> FORWARD_PARAMETERS = List.of(P, P, P, P, P, P, I, P, P, P, I, I, I, ".f64");
    /** (gy, x, mean, rstd, weight, bias, scale, skip, skip_weight, groups, gx, gscale, gskip, partial, partial_skip, n, c, m). */
    private static final List<String> BACKWARD_PARAMETERS = List.of(P, P, P, P, P, P, P, P, P, I, P, P, P, P, P, I, I, I);

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
        assertStaticArrays(ptx, "layer_norm_channels_backward", ChannelNormKernels.STATIC_SHARED_BYTES, 3,
                "one static array per instantiation (float32, float64, bf16 x)");
    }

    @Test
    void kernelParametersMatchTheLauncher(@TempDir Path tmp) throws Exception {
        String ptx = NormKernelsLayoutTest.launcherPtx(tmp, ChannelNormKernels.SOURCE);
        for (String dt : new String[] {"f32", "f64"}) {
            assertEquals(FORWARD_PARAMETERS,
                    NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_" + dt));
            assertEquals(BACKWARD_PARAMETERS,
                    NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_backward_" + dt));
        }
    }

    /** The vector kernels take the same parameters as the ones they stand in for (the launcher packs one list). */
    @Test
    void vectorKernelParametersAndSharedMemoryMatchTheLauncher(@TempDir Path tmp) throws Exception {
        String ptx = NormKernelsLayoutTest.launcherPtx(tmp, ChannelNormVectorKernels.SOURCE);
        for (String dt : new String[] {"f32", "bf16"}) {
            assertEquals(FORWARD_PARAMETERS,
                    NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_vec_" + dt));
            for (String kind : new String[] {"", "lean_"}) {
                assertEquals(BACKWARD_PARAMETERS,
                        NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_vec_backward_" + kind + dt));
            }
        }
        assertStaticArrays(ptx, "layer_norm_channels_vec", ChannelNormVectorKernels.STATIC_SHARED_BYTES, 6,
                "one static array per instantiation (forward, backward and lean backward, float32 and bf16 x)");
        Matcher rows = Pattern.compile("#define JM_LNCV_ROWS (\\d+)").matcher(Launcher.source(ChannelNormVectorKernels.SOURCE));
        assertTrue(rows.find(), "norm_channels_vec.cu defines JM_LNCV_ROWS");
        assertEquals(ChannelNormVectorKernels.ROWS, Integer.parseInt(rows.group(1)));
    }

    /** The vector kernels need M % 4 == 0 and float32 or bf16 x; their parts follow the 128-column tiles. */
    @Test
    void vectorKernelsCoverWhatTheyCanLoadWhole() {
        assertTrue(ChannelNormVectorKernels.covers(DType.BF16, 3136) && ChannelNormVectorKernels.covers(DType.F32, 196));
        assertFalse(ChannelNormVectorKernels.covers(DType.BF16, 49), "FractalMamba-T stage 4 (7 x 7): an odd row");
        assertFalse(ChannelNormVectorKernels.covers(DType.F64, 3136), "float64 keeps norm_channels.cu");
        assertEquals(8, ChannelNormVectorKernels.parts(256, 3136), "stage 1: 25 tiles, 2048 / 256 = 8 parts");
        assertEquals(2, ChannelNormVectorKernels.parts(256, 196), "stage 3: two tiles of 128 columns");
        for (int[] s : new int[][] {{1, 4}, {3, 300}, {100000, 8}, {1, 40000}}) {
            int parts = ChannelNormVectorKernels.parts(s[0], s[1]), tiles = Math.ceilDiv(s[1], ChannelNormVectorKernels.TILE);
            assertTrue(parts >= 1 && parts <= tiles, s[0] + "x" + s[1] + ": " + parts + " parts for " + tiles + " tiles");
        }
    }

    /** Every static shared array of the kernels whose names contain {@code kernel} has {@code bytes}; there are {@code count}. */
    private static void assertStaticArrays(String ptx, String kernel, int bytes, int count, String why) {
        Matcher m = Pattern.compile("\\.shared \\.align \\d+ \\.b8 (\\w*" + kernel + "\\w*)\\[(\\d+)\\]").matcher(ptx);
        int found = 0;
        while (m.find()) {
            assertEquals(bytes, Integer.parseInt(m.group(2)), m.group(1));
            found++;
        }
        assertEquals(count, found, why);
    }
}
