package dev.jmamba.tensor.cuda;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The tiled channels-first layer norm with its skip term on the shapes FractalMamba-T gives it (N = B·K rows of
 * d_inner channels over L tokens, batch cut to 8: stages 1, 3 and 4), and on widths whose backward needs more
 * than 48 KiB of shared memory (dynamic, or with the static buffers), against the CPU backend (whose own float64 reference test is
 * BackendContractLayerNormChannelsTest). Float32: both sides compute in double and round once, so outputs agree to
 * 1e-5 (values ≲ 10); sums over N·M columns add one float rounding per partial, 1e-7 per column. Two runs of the
 * backward are bitwise equal (fixed partial sums in a fixed order).
 */
@Tag("gpu")
class CudaChannelNormShapesTest {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    private final RandomTensors rnd = new RandomTensors(1414);

    @Test void modelShapesMatchTheCpuBackend() {
        // n, c, m, groups; (2, 1900, 63): 45 600 bytes of dynamic shared memory for the backward's sums, under 48 KiB, but
        // over it with the kernel's 4 KiB of static buffers (the launch failed without the opt-in)
        int[][] shapes = {{16, 160, 3136, 2}, {16, 640, 196, 2}, {16, 1280, 49, 2}, {4, 2500, 40, 2}, {2, 1900, 63, 2}};
        Device gpu = Device.cuda(0);
        for (int[] s : shapes) {
            int n = s[0], c = s[1], m = s[2], groups = s[3];
            String what = "(" + n + ", " + c + ", " + m + ") G " + groups;
            Tensor x = rnd.uniform(DType.F32, Device.CPU, n, c, m), gy = rnd.uniform(DType.F32, Device.CPU, n, c, m);
            Tensor skip = rnd.uniform(DType.F32, Device.CPU, n, c, m), skw = rnd.uniform(DType.F32, Device.CPU, groups, c);
            Tensor w = rnd.uniform(DType.F32, Device.CPU, c), b = rnd.uniform(DType.F32, Device.CPU, c);
            Tensor scale = rnd.uniform(DType.F32, Device.CPU, n, m);
            Tensor[] cpu = x.backend().layerNormChannels(x, w, b, scale, skip, skw, 1e-6);
            Tensor[] cpuG = x.backend().layerNormChannelsBackward(gy, x, cpu[1], cpu[2], w, b, scale, skip, skw, true, true, true, true);
            Tensor xg = x.to(gpu), gyg = gy.to(gpu), skipG = skip.to(gpu), skwG = skw.to(gpu), wG = w.to(gpu), bG = b.to(gpu);
            Tensor scaleG = scale.to(gpu);
            Tensor[] dev = xg.backend().layerNormChannels(xg, wG, bG, scaleG, skipG, skwG, 1e-6);
            assertClose(cpu[0], dev[0].to(Device.CPU), 1e-5, 1e-5, what + ": y");
            assertClose(cpu[1], dev[1].to(Device.CPU), 1e-6, 1e-5, what + ": mean");
            assertClose(cpu[2], dev[2].to(Device.CPU), 1e-4, 1e-5, what + ": rstd");
            Tensor[] devG = xg.backend().layerNormChannelsBackward(gyg, xg, cpu[1].to(gpu), cpu[2].to(gpu), wG, bG, scaleG, skipG, skwG,
                    true, true, true, true);
            String[] names = {"gx", "gWeight", "gBias", "gScale", "gSkip", "gSkipWeight"};
            double colTol = 1e-7 * n * m + 1e-6;
            double[] atol = {1e-5, colTol, colTol, 1e-7 * c + 1e-5, 1e-5, colTol};
            for (int i = 0; i < names.length; i++) assertClose(cpuG[i], devG[i].to(Device.CPU), atol[i], 1e-5, what + ": " + names[i]);
            Tensor[] again = xg.backend().layerNormChannelsBackward(gyg, xg, cpu[1].to(gpu), cpu[2].to(gpu), wG, bG, scaleG, skipG, skwG,
                    true, true, true, true);
            for (int i = 0; i < names.length; i++) {
                assertEquals(0, devG[i].to(Device.CPU).maxAbsDiff(again[i].to(Device.CPU)), what + ": " + names[i] + " run to run");
            }
        }
    }

    /**
     * Both kernel families (norm_channels.cu's and, where M % 4 == 0, norm_channels_vec.cu's) against the CPU backend with
     * the tolerances above, on FractalMamba-T's shapes, a partly filled last tile, M not a multiple of 4, float32 x; then bf16 x
     * against float32 x holding the same values on the same kernel: the kernels read a bf16 value exactly and compute
     * alike, so y is the float32 y rounded to bf16 and every gradient is bit-identical.
     */
    @Test void everyKernelVariantMatchesTheCpuBackend() {
        ChannelNormKernels kernels = ((CudaBackend) Backends.raw(Device.cuda(0))).channelNormKernels();
        int[][] shapes = {{16, 160, 3136, 2}, {16, 640, 196, 2}, {8, 1280, 49, 2}, {3, 5, 68, 1}, {4, 200, 33, 2}, {3, 7, 260, 3}, {2, 1900, 63, 2}};
        boolean[] variants = {false, true};
        Device gpu = Device.cuda(0);
        for (int[] s : shapes) {
            int n = s[0], c = s[1], m = s[2], groups = s[3];
            Tensor x = rnd.uniform(DType.F32, Device.CPU, n, c, m).to(DType.BF16).to(DType.F32), gy = rnd.uniform(DType.F32, Device.CPU, n, c, m);
            Tensor skip = rnd.uniform(DType.F32, Device.CPU, n, c, m).to(DType.BF16).to(DType.F32);
            Tensor skw = rnd.uniform(DType.F32, Device.CPU, groups, c), w = rnd.uniform(DType.F32, Device.CPU, c);
            Tensor b = rnd.uniform(DType.F32, Device.CPU, c), scale = rnd.uniform(DType.F32, Device.CPU, n, m);
            Tensor[] cpu = x.backend().layerNormChannels(x, w, b, scale, skip, skw, 1e-6);
            Tensor[] cpuG = x.backend().layerNormChannelsBackward(gy, x, cpu[1], cpu[2], w, b, scale, skip, skw, true, true, true, true);
            Tensor xg = x.to(gpu), gyg = gy.to(gpu), skipG = skip.to(gpu), skwG = skw.to(gpu), wG = w.to(gpu), bG = b.to(gpu);
            Tensor scaleG = scale.to(gpu), meanG = cpu[1].to(gpu), rstdG = cpu[2].to(gpu);
            Tensor x16 = xg.to(DType.BF16), skip16 = skipG.to(DType.BF16);
            String[] names = {"gx", "gWeight", "gBias", "gScale", "gSkip", "gSkipWeight"};
            double colTol = 1e-7 * n * m + 1e-6;
            double[] atol = {1e-5, colTol, colTol, 1e-7 * c + 1e-5, 1e-5, colTol};
            for (boolean v : variants) {
                String what = "(" + n + ", " + c + ", " + m + ") G " + groups + (v ? " vector kernels" : " norm_channels.cu");
                if (v && m % 4 == 0) {
                    assertTrue(ChannelNormVectorKernels.fits(DType.F32, m, xg, gyg, skipG, scaleG, meanG, rstdG, x16, skip16),
                            what + ": the vector kernels take these tensors");
                }
                Tensor[] dev = kernels.forward(xg, wG, bG, scaleG, skipG, skwG, 1e-6, v);
                assertClose(cpu[0], dev[0].to(Device.CPU), 1e-5, 1e-5, what + ": y");
                assertClose(cpu[1], dev[1].to(Device.CPU), 1e-6, 1e-5, what + ": mean");
                assertClose(cpu[2], dev[2].to(Device.CPU), 1e-4, 1e-5, what + ": rstd");
                Tensor[] devG = kernels.backward(gyg, xg, meanG, rstdG, wG, bG, scaleG, skipG, skwG, true, true, true, true, v);
                for (int i = 0; i < names.length; i++) assertClose(cpuG[i], devG[i].to(Device.CPU), atol[i], 1e-5, what + ": " + names[i]);
                Tensor[] dev16 = kernels.forward(x16, wG, bG, scaleG, skip16, skwG, 1e-6, v);
                assertEquals(DType.BF16, dev16[0].dtype(), what + ": bf16 y");
                assertEquals(0, dev[0].to(DType.BF16).to(Device.CPU).maxAbsDiff(dev16[0].to(Device.CPU)), what + ": bf16 y = float32 y rounded");
                for (int i = 1; i < 3; i++) assertEquals(0, dev[i].to(Device.CPU).maxAbsDiff(dev16[i].to(Device.CPU)), what + ": bf16 statistics");
                Tensor[] devG16 = kernels.backward(gyg, x16, meanG, rstdG, wG, bG, scaleG, skip16, skwG, true, true, true, true, v);
                for (int i = 0; i < names.length; i++) {
                    assertEquals(0, devG[i].to(Device.CPU).maxAbsDiff(devG16[i].to(Device.CPU)), what + ": bf16 " + names[i] + " bit-identical");
                }
            }
        }
    }
}
