package dev.jmamba.tensor.cuda;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The channels-last dense conv path ({@link ChannelsLastConv}) against the CPU's conv: x stored
 * (N, H, W, C) or an image with C <= 4, strides 1 and 2, padding, dilation, 1×1, bias, several
 * column chunks; forward, input gradient and weight gradient, in float32 (tolerances of
 * CudaBackendExtrasGpuTest's conv check: cuBLAS float32 vs the CPU's blocked sums) and with bf16
 * operands (ConvBf16GpuTest's bound: both sides sum the same exact bf16 products in float32).
 * The outputs must be channels-last (a view of (N, OH, OW, O) storage).
 */
@Tag("gpu")
class ConvChannelsLastGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Test void float32MatchesTheCpu() {
        check(channelsLast(1, 5, 6, 11, 9), Tensor.randn(2, 8, 6, 3, 3), Tensor.randn(3, 8), new ConvParams(2, 2, 1, 1, 1, 1, 1), DType.F32);
        check(channelsLast(4, 3, 7, 8, 8), Tensor.randn(5, 5, 7, 3, 3), null, new ConvParams(1, 1, 1, 1, 1, 1, 1), DType.F32);
        check(channelsLast(6, 2, 4, 9, 10), Tensor.randn(7, 6, 4, 3, 2), Tensor.randn(8, 6), new ConvParams(1, 2, 2, 1, 2, 1, 1), DType.F32);
        check(channelsLast(9, 3, 16, 5, 5), Tensor.randn(10, 12, 16, 1, 1), Tensor.randn(11, 12), new ConvParams(1, 1, 0, 0, 1, 1, 1), DType.F32);
        check(Tensor.randn(12, 4, 3, 17, 15), Tensor.randn(13, 10, 3, 3, 3), Tensor.randn(14, 10), new ConvParams(2, 2, 1, 1, 1, 1, 1), DType.F32);
    }

    @Test void bf16OperandsMatchTheCpu() {
        check(channelsLast(15, 5, 24, 12, 12), Tensor.randn(16, 48, 24, 3, 3), Tensor.randn(17, 48), new ConvParams(2, 2, 1, 1, 1, 1, 1), DType.BF16);
        check(Tensor.randn(18, 4, 3, 32, 30), Tensor.randn(19, 16, 3, 3, 3), Tensor.randn(20, 16), new ConvParams(2, 2, 1, 1, 1, 1, 1), DType.BF16);
    }

    @Test void severalChunksGiveTheSameResult() {
        Tensor x = channelsLast(21, 7, 6, 12, 10), w = Tensor.randn(22, 8, 6, 3, 3);
        ConvKernels.colsLimit = 2L * 54 * 30;   // K = 54, OH·OW = 30: 2 images per chunk, chunks 2, 2, 2, 1
        try {
            check(x, w, Tensor.randn(23, 8), new ConvParams(2, 2, 1, 1, 1, 1, 1), DType.F32);
            check(x, w, null, new ConvParams(2, 2, 1, 1, 1, 1, 1), DType.BF16);
        } finally {
            ConvKernels.colsLimit = ConvKernels.COLS_LIMIT;
        }
    }

    /** A (N, C, H, W) tensor stored (N, H, W, C). */
    private static Tensor channelsLast(long seed, int n, int c, int h, int w) {
        return Tensor.randn(seed, n, h, w, c).permute(0, 3, 1, 2);
    }

    private static void check(Tensor x, Tensor w, Tensor bias, ConvParams p, DType dt) {
        Tensor xo = x.toPreservingLayout(dt), wo = w.to(dt);                    // the operands (bf16: rounded), x in its layout
        Tensor y = xo.conv2d(wo, bias, p);                                      // CPU reference (bf16 widened, float32 sums)
        Tensor gy = Tensor.randn(30, y.shape()).to(dt);
        Tensor gx = onGpuInLayout(xo), gw = wo.to(GPU);
        Tensor gGy = onGpuInLayout(gy.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2));   // gy channels-last too
        Tensor yGpu = gx.conv2d(gw, bias == null ? null : bias.to(GPU), p);
        assertTrue(ConvKernels.isChannelsLast(yGpu.shape(), yGpu.strides()), "the output is channels-last");
        Tensor dx = gGy.backend().conv2dInputGradLike(gGy, gw, gx, p);
        assertTrue(ConvKernels.isChannelsLast(dx.shape(), dx.strides()), "dx is channels-last");
        Tensor dw = gGy.backend().conv2dWeightGrad(gGy, gx, w.shape(), p);
        assertEquals(DType.F32, yGpu.dtype());
        Tensor dxCpu = gy.backend().conv2dInputGrad(gy, wo, x.shape(), p), dwCpu = gy.backend().conv2dWeightGrad(gy, xo, w.shape(), p);
        if (dt == DType.F32) {
            assertClose(y.toDoubleArray(), yGpu.toDoubleArray(), 1e-4, 1e-4, "forward");
            assertClose(dxCpu.toDoubleArray(), dx.toDoubleArray(), 1e-4, 1e-4, "input grad");
            assertClose(dwCpu.toDoubleArray(), dw.toDoubleArray(), 1e-3, 1e-4, "weight grad");
            return;
        }
        Tensor xa = xo.to(DType.F64).abs(), wa = wo.to(DType.F64).abs(), ga = gy.to(DType.F64).abs();
        int kk = w.size(2) * w.size(3), nOut = y.size(0) * y.size(2) * y.size(3);
        ConvBf16GpuTest.within(y, yGpu, xa.conv2d(wa, bias == null ? null : bias.to(DType.F64).abs(), p), x.size(1) * kk + 1, "bf16 forward");
        ConvBf16GpuTest.within(dxCpu, dx, ga.backend().conv2dInputGrad(ga, wa, x.shape(), p), w.size(0) * kk, "bf16 input grad");
        ConvBf16GpuTest.within(dwCpu, dw, ga.backend().conv2dWeightGrad(ga, xa, w.shape(), p), nOut, "bf16 weight grad");
    }

    /** t on the GPU with t's strides (a permuted view stays a view of the uploaded storage order). */
    private static Tensor onGpuInLayout(Tensor t) {
        if (t.isContiguous()) return t.to(GPU);
        Tensor nhwc = t.permute(0, 2, 3, 1);   // contiguous when t is a channels-last view
        return nhwc.contiguous().to(GPU).permute(0, 3, 1, 2);
    }
}
