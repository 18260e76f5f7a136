package dev.jmamba.tensor.cuda;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The warp-per-row gated layer norm on the shapes FractalMamba-T's out_norm gives it (B·H·W rows of d_inner channels,
 * batch cut to 4: all four stages, so warps take several rows and the 1280-wide backward opts into more than
 * 48 KiB of shared memory), and on the widest warp row and one past it (the block kernels), against the CPU backend
 * (whose float64 reference test is BackendContractLayerNormGatedTest). z is a channel slice of a wider tensor, as
 * in_proj's gate half. Tolerances as there: outputs 1e-5 (values ≲ 10, one float rounding each), the weight and
 * bias sums 1e-7 per row. Two backward runs are bitwise equal. The same in BF16 (autocast's x and z, the _bf16 kernels;
 * past the widest warp row, float32 copies): y is bf16 on both sides, rounded once from values whose float sigmoid
 * (GPU) and double one (CPU) differ by a few float ulp, so the two may land on neighbouring bf16 values (one ulp,
 * 2^-7 relative); the float32 gradients keep the float32 tolerances.
 */
@Tag("gpu")
class CudaGatedNormShapesTest {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    private final RandomTensors rnd = new RandomTensors(1515);

    @Test void modelShapesMatchTheCpuBackend() { modelShapes(DType.F32); }

    @Test void bf16ModelShapesMatchTheCpuBackend() { modelShapes(DType.BF16); }

    /**
     * The kernels that hold a row in registers give the two-pass warp kernels' bits (the same arithmetic in the same
     * order), forward and backward, f32 and bf16, at every register width: 8, 16, 24 values per lane (the backward's
     * widest, 768, and one past it, which takes the rows kernel either way) and 48 (the forward's widest, 1536).
     */
    @Test void registerRowsGiveTheTwoPassBits() {
        GatedNormKernels kernels = ((CudaBackend) Backends.raw(Device.cuda(0))).gatedNormKernels();
        Device gpu = Device.cuda(0);
        int[][] shapes = {{333, 160}, {301, 257}, {260, 640}, {130, 768}, {130, 769}, {97, 1280}, {65, GatedNormKernels.MAX_WARP_CHANNELS}};
        for (DType xt : new DType[] {DType.F32, DType.BF16}) {
            for (int[] s : shapes) {
                int rows = s[0], c = s[1];
                String what = xt + " (" + rows + ", " + c + ")";
                Tensor x = rnd.uniform(xt, gpu, rows, c), z = rnd.uniform(xt, gpu, rows, c), gy = rnd.uniform(DType.F32, gpu, rows, c);
                Tensor w = rnd.uniform(DType.F32, gpu, c), b = rnd.uniform(DType.F32, gpu, c);
                Tensor[] two = kernels.forward(x, w, b, z, 1e-6, false), regs = kernels.forward(x, w, b, z, 1e-6, true);
                String[] fwd = {"y", "mean", "rstd"};
                for (int i = 0; i < 3; i++) assertEquals(0, two[i].to(Device.CPU).maxAbsDiff(regs[i].to(Device.CPU)), what + ": " + fwd[i]);
                Tensor[] gTwo = kernels.backward(gy, x, two[1], two[2], w, b, z, true, true, true, false);
                Tensor[] gRegs = kernels.backward(gy, x, two[1], two[2], w, b, z, true, true, true, true);
                String[] names = {"gx", "gWeight", "gBias", "gz"};
                for (int i = 0; i < 4; i++) {
                    assertEquals(0, gTwo[i].to(Device.CPU).maxAbsDiff(gRegs[i].to(Device.CPU)), what + ": " + names[i]);
                }
            }
        }
    }

    private void modelShapes(DType xt) {
        int[][] shapes = {{4 * 3136, 160}, {4 * 784, 320}, {4 * 196, 640}, {4 * 49, 1280}, {300, GatedNormKernels.MAX_WARP_CHANNELS},
                {300, GatedNormKernels.MAX_WARP_CHANNELS + 1}};
        Device gpu = Device.cuda(0);
        for (int[] s : shapes) {
            int rows = s[0], c = s[1];
            String what = xt + " (" + rows + ", " + c + ")";
            Tensor x = rnd.uniform(xt, Device.CPU, rows, c), gy = rnd.uniform(DType.F32, Device.CPU, rows, c);
            Tensor z = Tensor.cat(1, rnd.uniform(xt, Device.CPU, rows, c), rnd.uniform(xt, Device.CPU, rows, c)).narrow(1, c, c);
            Tensor w = rnd.uniform(DType.F32, Device.CPU, c), b = rnd.uniform(DType.F32, Device.CPU, c);
            Tensor[] cpu = x.backend().layerNormGated(x, w, b, z, 1e-6);
            Tensor[] cpuG = x.backend().layerNormGatedBackward(gy, x, cpu[1], cpu[2], w, b, z, true, true, true);
            Tensor xg = x.to(gpu), gyg = gy.to(gpu), wg = w.to(gpu), bg = b.to(gpu);
            Tensor zg = Tensor.cat(1, Tensor.zeros(rows, c).to(xt).to(gpu), z.to(gpu)).narrow(1, c, c);   // rows 2C apart on the device too
            Tensor[] dev = xg.backend().layerNormGated(xg, wg, bg, zg, 1e-6);
            assertEquals(xt, dev[0].dtype(), what + ": y's dtype");
            assertClose(cpu[0], dev[0].to(Device.CPU), 1e-5, xt == DType.BF16 ? 0x1p-7 : 1e-5, what + ": y");
            assertClose(cpu[1], dev[1].to(Device.CPU), 1e-6, 1e-5, what + ": mean");
            assertClose(cpu[2], dev[2].to(Device.CPU), 1e-4, 1e-5, what + ": rstd");
            Tensor mean = cpu[1].to(gpu), rstd = cpu[2].to(gpu);
            Tensor[] devG = xg.backend().layerNormGatedBackward(gyg, xg, mean, rstd, wg, bg, zg, true, true, true);
            Tensor[] again = xg.backend().layerNormGatedBackward(gyg, xg, mean, rstd, wg, bg, zg, true, true, true);
            String[] names = {"gx", "gWeight", "gBias", "gz"};
            double[] atol = {1e-5, 1e-7 * rows + 1e-6, 1e-7 * rows + 1e-6, 1e-5};
            for (int i = 0; i < names.length; i++) {
                assertEquals(DType.F32, devG[i].dtype(), what + ": " + names[i] + "'s dtype");
                assertClose(cpuG[i], devG[i].to(Device.CPU), atol[i], 1e-5, what + ": " + names[i]);
                assertEquals(0, devG[i].to(Device.CPU).maxAbsDiff(again[i].to(Device.CPU)), what + ": " + names[i] + " run to run");
            }
        }
    }
}
