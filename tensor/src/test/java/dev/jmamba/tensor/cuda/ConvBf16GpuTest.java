package dev.jmamba.tensor.cuda;

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
 * Autocast's dense conv on CUDA (bf16 columns, tensor-core GEMMs, float32 results) against the CPU's
 * (the widened bf16 operands convolved in float32): forward with bias, input gradient (also into a
 * channels-last input) and weight gradient, with one and several column chunks.
 *
 * <p>Tolerance: both sides sum the same exact bf16·bf16 products in float32 in different orders. The
 * CPU rounds each addition (≤ k·2⁻²⁴·Σ|terms| in all); tensor cores accumulate in float32 but may
 * truncate instead of rounding (≤ k·2⁻²³·Σ|terms|). So the two differ by at most
 * (k + 2)·(2⁻²⁴ + 2⁻²³)·Σ|terms| per output, with Σ|terms| the float64 conv of the absolute values.
 */
@Tag("gpu")
class ConvBf16GpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Test void theStemAndDownsamplingConvsMatchTheCpu() {
        ConvParams stride2 = new ConvParams(2, 2, 1, 1, 1, 1, 1);
        check(Tensor.randn(1, 4, 3, 32, 30), Tensor.randn(2, 16, 3, 3, 3), Tensor.randn(3, 16), stride2);
        check(Tensor.randn(4, 3, 24, 16, 16), Tensor.randn(5, 48, 24, 3, 3), Tensor.randn(6, 48), stride2);
        check(Tensor.randn(7, 2, 5, 9, 9), Tensor.randn(8, 7, 5, 1, 1), null, new ConvParams(1, 1, 0, 0, 1, 1, 1));
    }

    @Test void severalColumnChunksGiveTheSameResult() {
        ConvParams stride2 = new ConvParams(2, 2, 1, 1, 1, 1, 1);
        Tensor x = Tensor.randn(9, 5, 6, 12, 10), w = Tensor.randn(10, 8, 6, 3, 3);
        // rows = 6·9 = 54, OH·OW = 6·5 = 30: 2 images per chunk gives chunks 2, 2, 1
        ConvKernels.colsLimit = 2L * 54 * 30;
        try {
            check(x, w, Tensor.randn(11, 8), stride2);
        } finally {
            ConvKernels.colsLimit = ConvKernels.COLS_LIMIT;
        }
    }

    private static void check(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Tensor x16 = x.to(DType.BF16), w16 = w.to(DType.BF16);
        Tensor y = x16.conv2d(w16, bias, p);
        assertEquals(DType.F32, y.dtype());
        Tensor gy16 = Tensor.randn(12, y.shape()).to(DType.BF16);
        Tensor gx16 = x16.to(GPU), gw16 = w16.to(GPU), ggy16 = gy16.to(GPU);
        int c = x.size(1), o = w.size(0), kk = w.size(2) * w.size(3), nOut = y.size(0) * y.size(2) * y.size(3);
        Tensor xa = x16.to(DType.F64).abs(), wa = w16.to(DType.F64).abs(), ga = gy16.to(DType.F64).abs();

        Tensor yGpu = gx16.conv2d(gw16, bias == null ? null : bias.to(GPU), p);
        assertEquals(DType.F32, yGpu.dtype(), "float32 result on CUDA");
        Tensor yBound = xa.conv2d(wa, bias == null ? null : bias.to(DType.F64).abs(), p);
        within(y, yGpu, yBound, c * kk + 1, "forward");

        Tensor dxBound = ga.backend().conv2dInputGrad(ga, wa, x.shape(), p);
        within(gy16.backend().conv2dInputGrad(gy16, w16, x.shape(), p),
                ggy16.backend().conv2dInputGrad(ggy16, gw16, x.shape(), p), dxBound, o * kk, "input grad");
        Tensor channelsLast = x.to(GPU).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);   // (N, C, H, W) view of NHWC
        within(gy16.backend().conv2dInputGrad(gy16, w16, x.shape(), p),
                ggy16.backend().conv2dInputGradLike(ggy16, gw16, channelsLast, p), dxBound, o * kk, "input grad like channels-last x");

        Tensor dwBound = ga.backend().conv2dWeightGrad(ga, xa, w.shape(), p);
        Tensor dwGpu = ggy16.backend().conv2dWeightGrad(ggy16, gx16, w.shape(), p);
        assertEquals(DType.F32, dwGpu.dtype(), "float32 weight gradient");
        within(gy16.backend().conv2dWeightGrad(gy16, x16, w.shape(), p), dwGpu, dwBound, nOut, "weight grad");
    }

    /** |cpu − gpu| within (k + 2)·(2⁻²⁴ + 2⁻²³)·Σ|terms| per element (the class comment derives it). */
    static void within(Tensor cpu, Tensor gpu, Tensor absTerms, int k, String what) {
        double[] a = cpu.toDoubleArray(), b = gpu.toDoubleArray(), t = absTerms.toDoubleArray();
        assertEquals(a.length, b.length, what);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double tol = (k + 2) * (0x1p-24 + 0x1p-23) * t[i] + 1e-30;
            assertTrue(Math.abs(a[i] - b[i]) <= tol, what + " " + i + ": cpu " + a[i] + " vs cuda " + b[i] + " (tol " + tol + ")");
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / tol);
        }
        System.out.printf("bf16 conv %s: worst |cpu - cuda| = %.3f of the bound%n", what, worst);
    }
}
