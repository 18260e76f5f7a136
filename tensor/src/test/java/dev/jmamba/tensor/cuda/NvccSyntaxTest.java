package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code .cu} resource with {@code nvcc --ptx -arch=sm_90} (no GPU needed) and checks
 * that the kernels the Java launchers name exist with the parameter sizes they fill in.
 * Skipped, with the reason shown, when nvcc is not on the PATH.
 */
class NvccSyntaxTest {
    private static final Path KERNELS = Path.of("src/main/resources/dev/jmamba/tensor/cuda/kernels");

    @Test
    void everyKernelSourceCompiles(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        for (Path source : Nvcc.cuSources(KERNELS)) {
            String ptx = Nvcc.ptx(nvcc, source, tmp.resolve(source.getFileName() + ".ptx"));
            assertTrue(ptx.contains(".entry"), source + " produced no kernels");
        }
    }

    @Test
    void elementwiseKernelsMatchTheLauncher(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        String ptx = Nvcc.ptx(nvcc, KERNELS.resolve(CudaKernels.SOURCE), tmp.resolve("elementwise.ptx"));
        for (String kernel : CudaKernels.kernelNames()) {
            assertTrue(ptx.contains(".entry " + kernel + "("), "elementwise.cu has no kernel " + kernel);
        }
        // the struct passed by value has the size the Java side packs
        Matcher shape = Pattern.compile("add_strided_f32_param_4\\[(\\d+)\\]").matcher(ptx);
        assertTrue(shape.find(), "no by-value StridedShape parameter in add_strided_f32");
        assertEquals(CudaKernels.SHAPE_BYTES, Long.parseLong(shape.group(1)));
        // fill's value parameter is a 4-byte float, the count an 8-byte integer
        assertTrue(ptx.contains(".param .f32 fill_f32_param_1"), "fill_f32 parameter 1 should be a float");
        assertTrue(ptx.contains(".param .u64 fill_f32_param_2"), "fill_f32 parameter 2 should be 64-bit");
    }
}
