package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.JmambaException;
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

    /** The register kernels take the same parameters as the ones they stand in for (the launcher packs one list). */
    @Test
    void registerKernelParametersMatchTheLauncher(@TempDir Path tmp) throws Exception {
        String ptx = NormKernelsLayoutTest.launcherPtx(tmp, ChannelNormRegisterKernels.SOURCE);
        String p = ".u64", i = ".u32";
        for (String dt : new String[] {"f32", "bf16"}) {
            for (int w : ChannelNormRegisterKernels.WIDTHS) {
                assertEquals(List.of(p, p, p, p, p, p, i, p, p, p, i, i, i, ".f64"),
                        NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_regs_" + dt + "_" + w));
                assertEquals(List.of(p, p, p, p, p, p, p, p, p, i, p, p, p, p, p, i, i, i),
                        NormKernelsLayoutTest.parameterTypes(ptx, "layer_norm_channels_regs_backward_" + dt + "_" + w));
            }
        }
        Matcher m = Pattern.compile("\\.shared \\.align \\d+ \\.b8 (\\w*layer_norm_channels_regs\\w*)\\[(\\d+)\\]").matcher(ptx);
        int bytes = 0;
        while (m.find()) bytes += Integer.parseInt(m.group(2));
        assertEquals(2 * 2 * ChannelNormRegisterKernels.WIDTHS.length * ChannelNormRegisterKernels.STATIC_SHARED_BYTES, bytes,
                "each kernel's static shared arrays (buf and total) add up to STATIC_SHARED_BYTES");
    }

    /** A block's channel lanes cover every channel in evenly filled chunks and stay within 16 lanes. */
    @Test
    void registerRowsCoverTheChannels() {
        for (int w : ChannelNormRegisterKernels.WIDTHS) {
            for (int c = 1; c <= 3000; c++) {
                int rows = ChannelNormRegisterKernels.rows(c, w), chunk = rows * w, chunks = Math.ceilDiv(c, chunk);
                assertTrue(rows >= 1 && rows <= ChannelNormRegisterKernels.MAX_ROWS, c + " channels, width " + w + ": " + rows + " rows");
                assertTrue(chunks * chunk >= c && (chunks - 1) * chunk < c, c + " channels, width " + w + ": chunks cover c once");
            }
        }
        assertEquals(14, ChannelNormRegisterKernels.rows(160, 12), "FractalMamba-T stage 1: one chunk of 14 x 12 = 168 channels");
        assertEquals(14, ChannelNormRegisterKernels.rows(640, 12), "stage 3: four chunks of 14 x 12");
        Matcher m = Pattern.compile("#define JM_LNCR_MAX_ROWS (\\d+)").matcher(Launcher.source(ChannelNormRegisterKernels.SOURCE));
        assertTrue(m.find(), "norm_channels_regs.cu defines JM_LNCR_MAX_ROWS");
        assertEquals(ChannelNormRegisterKernels.MAX_ROWS, Integer.parseInt(m.group(1)));
    }

    @Test
    void registerWidthsParseOrSayWhatIsWrong() {
        assertArrayEquals(new int[] {12, 4}, ChannelNormRegisterKernels.widths("12, 4"));
        var bad = assertThrows(JmambaException.class, () -> ChannelNormRegisterKernels.widths("16,8"));
        assertTrue(bad.getMessage().contains("jmamba.norm.channelRegisterWidths") && bad.getMessage().contains("'16,8'"), bad.getMessage());
        assertThrows(JmambaException.class, () -> ChannelNormRegisterKernels.widths("8"));
        assertThrows(JmambaException.class, () -> ChannelNormRegisterKernels.widths("a,8"));
    }
}
