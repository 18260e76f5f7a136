package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code .cu} resource of the ssm module with {@code nvcc --ptx -arch=sm_90} (no GPU
 * needed) and checks that the kernels the launchers name exist with as many parameters as the launchers
 * fill in. Skipped, with the reason shown, when nvcc is not on the PATH.
 */
class SsmNvccSyntaxTest {
    private static final Path KERNELS = Path.of("src/main/resources/dev/jmamba/ssm/cuda");
    /** A 64-bit load of ScanParams.cols (offset COLS_AT of the struct parameter). */
    private static final java.util.regex.Pattern READS_COLS =
            java.util.regex.Pattern.compile("ld\\.param\\.u64\\s+%rd\\d+, \\[[^\\]]*\\+" + ScanParamsLayout.COLS_AT + "\\]");

    @Test void everyKernelSourceCompiles(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        for (Path source : Nvcc.cuSources(KERNELS)) {
            String ptx = Nvcc.ptx(nvcc, source, tmp.resolve(source.getFileName() + ".ptx"));
            assertTrue(ptx.contains(".entry"), source + " produced no kernels");
        }
    }

    @Test void hiddenNormScanKernelsHaveTheLaunchersParameterCounts(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        String ptx = Nvcc.ptx(nvcc, KERNELS.resolve("scan_hidden_norm.cu"), tmp.resolve("hn.ptx"));
        for (String kernel : HiddenNormScanCuda.kernelNames()) {
            // the KernelArgs slot counts of HiddenNormScanCuda (fwdArgs, bwdArgs, sumArgs)
            int expected = kernel.contains("_fwd_") ? 21 : kernel.contains("_bwd_") ? 25 : 4;
            assertEquals(expected, Nvcc.entryParameters(ptx, kernel), "scan_hidden_norm.cu kernel " + kernel);
        }
    }

    @Test void launchedKernelsExistWithTheirParameterCounts(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        String conv = Nvcc.ptx(nvcc, KERNELS.resolve("causal_conv1d.cu"), tmp.resolve("conv.ptx"));
        for (String kernel : CausalConvCuda.kernelNames()) {
            // the KernelArgs slot counts of CausalConvCuda
            int expected = kernel.contains("_grad_x_") ? 7 : kernel.contains("_row_bwd_") ? 14 : kernel.contains("_grad_w_") ? 10
                    : kernel.contains("_wgrad_sum_") ? 6 : 9;
            assertEquals(expected, Nvcc.entryParameters(conv, kernel), "causal_conv1d.cu kernel " + kernel);
        }
        // the v6 pass files include selective_scan_v6.cu, which includes selective_scan.cu: their PTX holds both families
        String scan = Nvcc.ptx(nvcc, KERNELS.resolve("selective_scan_v6_fwd.cu"), tmp.resolve("scan_fwd.ptx"))
                + Nvcc.ptx(nvcc, KERNELS.resolve("selective_scan_v6_bwd.cu"), tmp.resolve("scan_bwd.ptx"));
        for (String kernel : SelectiveScanCuda.kernelNames()) {
            assertEquals(1, Nvcc.entryParameters(scan, kernel), "selective_scan.cu kernel " + kernel + " (one ScanParams struct)");
        }
        assertTrue(!READS_COLS.matcher(scan).find(), "the default program never reads the path table pointer (plain kernels)");
        for (String kernel : SelectiveScanCuda.pairKernelNames()) {
            assertEquals(2, Nvcc.entryParameters(scan, kernel), "v6 kernel " + kernel + " (two ScanParams structs)");
        }
    }

    /** The program SelectiveScan.scanAlong runs (-DV6_PATHS=1: positions through the path table) compiles with the same kernels. */
    @Test void thePathProgramCompiles(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require(".cu syntax check");
        StringBuilder ptx = new StringBuilder();
        for (String pass : new String[] {"fwd", "bwd"}) {
            Path wrapper = tmp.resolve("paths_" + pass + ".cu");
            java.nio.file.Files.writeString(wrapper, "#define V6_PATHS 1\n#include \""
                    + KERNELS.resolve("selective_scan_v6_" + pass + ".cu").toAbsolutePath() + "\"\n");
            ptx.append(Nvcc.ptx(nvcc, wrapper, tmp.resolve("paths_" + pass + ".ptx")));
        }
        assertTrue(READS_COLS.matcher(ptx).find(), "the path program's kernels read the table pointer (ScanParams.cols)");
        for (String kernel : SelectiveScanCuda.kernelNames()) {
            assertEquals(1, Nvcc.entryParameters(ptx.toString(), kernel), "path program kernel " + kernel);
        }
    }
}
