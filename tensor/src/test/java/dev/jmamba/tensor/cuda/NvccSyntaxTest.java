package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code .cu} resource of the tensor module with {@code nvcc --ptx -arch=sm_90} (no GPU
 * needed). The launchers' kernel names and struct sizes are checked against the PTX by
 * {@code CudaBackendSourcesTest}. Skipped, with the reason shown, when nvcc is not on the PATH.
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
}
