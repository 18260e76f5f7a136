package dev.jmamba.vision.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code .cu} resource of the vision module with {@code nvcc --ptx -arch=sm_90} (no GPU
 * needed) and checks that the kernels {@link Scan2dCuda} and {@link TokenOpsCuda} launch exist with as many parameters as they
 * fills in. Skipped, with the reason shown, when nvcc is not on the PATH.
 */
class VisionNvccSyntaxTest {
    private static final Path KERNELS = Path.of("src/main/resources" + Scan2dCuda.FOLDER);

    @Test void everyKernelSourceCompiles(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        for (Path source : Nvcc.cuSources(KERNELS)) {
            String ptx = Nvcc.ptx(nvcc, source, tmp.resolve(source.getFileName() + ".ptx"));
            assertTrue(ptx.contains(".entry"), source + " produced no kernels");
        }
    }

    @Test void launchedKernelsExistWithTheirParameterCounts(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        String scan2d = Nvcc.ptx(nvcc, KERNELS.resolve(Scan2dCuda.SOURCE_NAME), tmp.resolve("scan2d.ptx"));
        for (String kernel : Scan2dCuda.kernelNames()) {
            assertEquals(7, Nvcc.entryParameters(scan2d, kernel), "scan2d.cu kernel " + kernel + " (in, table, out, B, K, C, L)");
        }
        String tokenOps = Nvcc.ptx(nvcc, KERNELS.resolve(TokenOpsCuda.SOURCE_NAME), tmp.resolve("token_ops.ptx"));
        for (Object[] kernel : TokenOpsCuda.kernelSignatures()) {
            assertEquals((int) kernel[1], Nvcc.entryParameters(tokenOps, (String) kernel[0]), "token_ops.cu kernel " + kernel[0]);
        }
    }
}
