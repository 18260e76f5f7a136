package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend's kernel files as NVRTC will see them: each launcher's source, with jm_common.cuh
 * pasted in by {@link Launcher#source}, compiles with {@code nvcc --ptx -arch=sm_90} on its own,
 * defines every kernel the launcher names, and takes its by-value structs at the sizes the Java
 * side packs. No GPU needed; skipped (with the reason shown) when nvcc is not installed.
 */
class CudaBackendSourcesTest {
    /** Each kernel file and the kernels its launchers use. */
    private static final Map<String, List<String>> KERNELS = Map.ofEntries(
            Map.entry(StridedKernels.SOURCE, StridedKernels.kernelNames()),
            Map.entry(ReduceKernels.SOURCE, ReduceKernels.kernelNames()),
            Map.entry(ConvKernels.SOURCE, ConvKernels.kernelNames()),
            Map.entry(DepthwiseSiluKernels.SOURCE, DepthwiseSiluKernels.kernelNames()),
            Map.entry(ResampleKernels.SOURCE, ResampleKernels.kernelNames()),
            Map.entry(IndexKernels.SOURCE, IndexKernels.kernelNames()),
            Map.entry(NormKernels.SOURCE, NormKernels.kernelNames()),
            Map.entry(ChannelNormKernels.SOURCE, ChannelNormKernels.kernelNames()),
            Map.entry(ChannelNormVectorKernels.SOURCE, ChannelNormVectorKernels.kernelNames()),
            Map.entry(GatedNormKernels.SOURCE, GatedNormKernels.kernelNames()),
            Map.entry(RandomKernels.SOURCE, RandomKernels.kernelNames()),
            Map.entry(OptimKernels.SOURCE, OptimKernels.kernelNames()),
            Map.entry(ImageKernels.SOURCE, ImageKernels.kernelNames()));

    /** The byte size of parameter {@code index} of {@code kernel} when it is a by-value struct. */
    private static long structBytes(String ptx, String kernel, int index) {
        Matcher m = Pattern.compile(Pattern.quote(kernel + "_param_" + index) + "\\[(\\d+)\\]").matcher(ptx);
        assertTrue(m.find(), "no by-value struct parameter " + index + " in " + kernel);
        return Long.parseLong(m.group(1));
    }

    @Test
    void everyLauncherSourceCompilesAndDefinesItsKernels(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require("kernel compile check");
        for (Map.Entry<String, List<String>> entry : KERNELS.entrySet()) {
            String text = Launcher.source(entry.getKey());
            assertFalse(text.contains("#include"), entry.getKey() + ": NVRTC gets no include path, so no #include may remain");
            Path file = tmp.resolve(entry.getKey());
            Files.writeString(file, text);
            String ptx = Nvcc.ptx(nvcc, file, tmp.resolve(entry.getKey() + ".ptx"));
            for (String kernel : entry.getValue()) {
                assertTrue(ptx.contains(".entry " + kernel + "("), entry.getKey() + " has no kernel " + kernel);
            }
            if (entry.getKey().equals(StridedKernels.SOURCE)) {
                assertEquals(StridedLayout.STRIDES_BYTES, structBytes(ptx, "copy_f32_f64", 1), "JmStrides size");
                assertEquals(StridedLayout.SHAPE_BYTES, structBytes(ptx, "copy_f32_f64", 4), "JmShape size");
                assertTrue(ptx.contains(".param .f64 fill_f32_param_4"), "fill's value is a double");
            }
            if (entry.getKey().equals(ConvKernels.SOURCE)) assertEquals(ConvKernels.CONV_BYTES, structBytes(ptx, "im2col_f32", 2), "JmConv size");
            if (entry.getKey().equals(ResampleKernels.SOURCE)) {
                assertEquals(ResampleKernels.AXIS_BYTES, structBytes(ptx, "resample_forward_f32", 3), "JmAxis size");
            }
            if (entry.getKey().equals(OptimKernels.SOURCE)) {
                assertTrue(ptx.contains(".param .u32 adamw_update_f32_param_4"), "adamw_update's n is a 4-byte int");
                assertTrue(ptx.contains(".param .f64 adamw_update_f32_param_12"), "adamw_update's factors are doubles");
                assertTrue(ptx.contains(".param .u32 sgd_update_f64_param_8"), "sgd_update's flags are a 4-byte int");
                assertTrue(ptx.contains(".param .u64 adamw_update_dev_f32_param_5"), "adamw_update_dev's factors are a pointer");
                assertTrue(ptx.contains(".param .u64 sgd_update_dev_f64_param_4"), "sgd_update_dev's factors are a pointer");
                assertTrue(ptx.contains(".param .u32 sgd_update_dev_f64_param_5"), "sgd_update_dev's flags are a 4-byte int");
                assertEquals(OptimKernels.SUM_SQUARES_LIST_BYTES, structBytes(ptx, "sum_squares_list", 0), "JmSumSqList size");
            }
            if (entry.getKey().equals(ImageKernels.SOURCE)) {
                // ImageKernels' verticalArgs: 18 parameters, the means and inverse stds 4-byte floats
                assertTrue(ptx.contains(".param .f32 crop_vertical_param_16") && ptx.contains(".param .u64 crop_vertical_param_17")
                        && !ptx.contains("crop_vertical_param_18"), "crop_vertical takes 18 parameters, floats then the out pointer");
                assertTrue(ptx.contains(".param .u64 crop_horizontal_param_1") && !ptx.contains("crop_horizontal_param_12"),
                        "crop_horizontal takes 12 parameters, the pitch 8 bytes");
            }
            if (entry.getKey().equals(ReduceKernels.SOURCE)) {
                // ReduceKernels' columnArgs: (ptr, ptr, ptr, int, int, int, long long, long long, int, int, int)
                String[] columns = {"u64", "u64", "u64", "u32", "u32", "u32", "u64", "u64", "u32", "u32", "u32"};
                for (int i = 0; i < columns.length; i++) {
                    assertTrue(Pattern.compile("\\.param \\." + columns[i] + " reduce_columns_f32_param_" + i + "\\b").matcher(ptx).find(),
                            "reduce_columns parameter " + i + " is ." + columns[i]);
                }
                assertFalse(ptx.contains("reduce_columns_f32_param_" + columns.length), "reduce_columns takes " + columns.length + " parameters");
                assertTrue(ptx.contains(".param .u32 reduce_splits_f64_param_5") && !ptx.contains("reduce_splits_f64_param_6"), "reduce_splits takes 6 parameters");
            }
            if (entry.getKey().equals(IndexKernels.SOURCE)) {
                assertEquals(StridedLayout.SHAPE_BYTES, structBytes(ptx, "gather_b4", 5));
                // IndexKernels' scatterArgs: (out, os, index, is, src, ss, lines, n, len, index_step, src_step, axis_stride,
                // size, axis, flag, op)
                assertEquals(StridedLayout.SHAPE_BYTES, structBytes(ptx, "scatter_add_f32", 6), "scatter_add's lines is a JmShape");
                String[] scalars = {"u32", "u32", "u64", "u64", "u64", "u32", "u32", "u64", "u32"};
                for (int i = 0; i < scalars.length; i++) {
                    assertTrue(Pattern.compile("\\.param \\." + scalars[i] + " scatter_add_f32_param_" + (7 + i) + "\\b").matcher(ptx).find(),
                            "scatter_add parameter " + (7 + i) + " is ." + scalars[i]);
                }
                assertFalse(ptx.contains("scatter_add_f32_param_16"), "scatter_add takes 16 parameters");
            }
        }
    }
}
