package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.conv.CausalConv1d;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link CausalConv1d} on CUDA ({@link CudaCausalConvKernels}) against the CPU op (float64 loops): y, dx,
 * dweight, dbias, with and without SiLU and bias, F32 and F64, including K = 1, K > L, and B·L above
 * the 4096 positions of one dweight block (several blocks add into each dweight element).
 *
 * <p>Tolerances: F32 GPU results are float32 sums of K products (y, dx) or of up to B·L products
 * (dweight, dbias, summed per thread, then over the block and the blocks): 1e-5 of the largest
 * magnitude for y and dx, 1e-4 for dweight/dbias (sums of ~10^4 terms of mixed sign in float32:
 * ~sqrt(10^4)·6e-8 relative to the sum of magnitudes). F64: 1e-12.
 */
@Tag("gpu")
class CausalConv1dGpuTest {

    @Test void gpuOpMatchesCpuOp() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        // (B, D, L, K)
        // K <= 8 runs the backward in runs (K <= 4 its k4 instance; L = 600: rows of many runs; L = 37, 11, 197, 3: a partial last run); K = 9, 12 the general kernels
        int[][] cases = {{2, 8, 37, 4}, {3, 5, 11, 1}, {2, 3, 3, 5}, {24, 6, 197, 4}, {2, 4, 600, 8}, {2, 3, 40, 9}, {1, 2, 300, 12}};
        long seed = 1;
        for (int[] c : cases) {
            for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                for (boolean silu : new boolean[] {true, false}) {
                    for (boolean withBias : new boolean[] {true, false}) {
                        Tensor x = Tensor.randn(seed++, c[0], c[1], c[2]).to(dtype);
                        Tensor w = Tensor.randn(seed++, c[1], 1, c[3]).mul(0.5).to(dtype);
                        Tensor b = Tensor.randn(seed++, c[1]).to(dtype);
                        Tensor gy = Tensor.randn(seed++, c[0], c[1], c[2]).to(dtype);
                        Var xc = Var.param(x.copy()), wc = Var.param(w.copy()), bc = withBias ? Var.param(b.copy()) : null;
                        Var xg = Var.param(x.to(gpu)), wg = Var.param(w.to(gpu)), bg = withBias ? Var.param(b.to(gpu)) : null;
                        Var yc = CausalConv1d.apply(xc, wc, bc, silu), yg = CausalConv1d.apply(xg, wg, bg, silu);
                        assertEquals(gpu, yg.value().device());
                        assertEquals(dtype, yg.value().dtype());
                        yc.backward(gy);
                        yg.backward(gy.to(gpu));
                        String what = java.util.Arrays.toString(c) + " " + dtype + (silu ? " silu" : "") + (withBias ? " bias" : "");
                        boolean f64 = dtype == DType.F64;
                        check(what + ": y", yc.value(), yg.value(), f64 ? 1e-12 : 1e-5);
                        check(what + ": dx", xc.grad(), xg.grad(), f64 ? 1e-12 : 1e-5);
                        check(what + ": dweight", wc.grad(), wg.grad(), f64 ? 1e-12 : 1e-4);
                        if (withBias) check(what + ": dbias", bc.grad(), bg.grad(), f64 ? 1e-12 : 1e-4);
                    }
                }
            }
        }
    }

    @Test void nonContiguousInputIsHandled() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        // MambaBranch feeds a transposed (B, L, D) → (B, D, L) view
        Tensor xt = Tensor.randn(11, 2, 29, 6);                                            // (B, L, D)
        Tensor w = Tensor.randn(12, 6, 1, 4), b = Tensor.randn(13, 6);
        Tensor cpu = CausalConv1d.apply(Var.of(xt.transpose(1, 2)), Var.of(w), Var.of(b), true).value();
        Tensor onGpu = CausalConv1d.apply(Var.of(xt.to(gpu).transpose(1, 2)), Var.of(w.to(gpu)), Var.of(b.to(gpu)), true).value();
        check("transposed input", cpu, onGpu, 1e-5);
    }

    /**
     * x as a (B, D, L) view of a (D, B·L) matrix (read in place, y and dx in that layout) and the reverse
     * (anti-causal) conv, against the CPU op (contiguous copies, reverse through flips).
     */
    @Test void rowLayoutAndReverseMatchCpu() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        int[][] cases = {{2, 8, 37, 4}, {3, 5, 3, 5}, {24, 6, 197, 4}, {2, 3, 530, 4}, {2, 3, 50, 10}};  // (B, D, L, K)
        long seed = 500;
        for (int[] c : cases) {
            int b = c[0], d = c[1], l = c[2];
            for (boolean reverse : new boolean[] {false, true}) {
                Tensor rows = Tensor.randn(seed++, d, b * l), w = Tensor.randn(seed++, d, 1, c[3]).mul(0.5), bias = Tensor.randn(seed++, d);
                Tensor gy = Tensor.randn(seed++, b, d, l);
                Var xc = Var.param(rows.copy()), wc = Var.param(w.copy()), bc = Var.param(bias.copy());
                Var xg = Var.param(rows.to(gpu)), wg = Var.param(w.to(gpu)), bg = Var.param(bias.to(gpu));
                Var yc = CausalConv1d.apply(xc.reshape(d, b, l).permute(1, 0, 2), wc, bc, true, reverse);
                Var yg = CausalConv1d.apply(xg.reshape(d, b, l).permute(1, 0, 2), wg, bg, true, reverse);
                org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {l, b * l, 1}, yg.value().strides(), "y keeps x's layout");
                yc.backward(gy);
                yg.backward(gy.to(gpu));
                String what = java.util.Arrays.toString(c) + (reverse ? " reverse" : "");
                check(what + ": y", yc.value(), yg.value(), 1e-5);
                check(what + ": dx", xc.grad(), xg.grad(), 1e-5);
                check(what + ": dweight", wc.grad(), wg.grad(), 1e-4);
                check(what + ": dbias", bc.grad(), bg.grad(), 1e-4);
            }
        }
    }

    /** The forward in runs of four positions per thread gives the bits of one position per thread (same products, same order). */
    @Test void forwardRunsGiveTheBitsOfOnePositionPerThread() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        int[][] cases = {{2, 8, 37, 4}, {3, 5, 3, 5}, {24, 6, 197, 4}, {2, 3, 1, 2}, {2, 3, 50, 8}};  // (B, D, L, K); L % 4 != 0 too
        long seed = 900;
        for (int[] c : cases) {
            int b = c[0], d = c[1], l = c[2];
            for (boolean reverse : new boolean[] {false, true}) {
                Tensor rows = Tensor.randn(seed++, d, b * l).to(gpu), w = Tensor.randn(seed++, d, 1, c[3]).to(gpu), bias = Tensor.randn(seed++, d).to(gpu);
                Var x = Var.of(rows.reshape(d, b, l).permute(1, 0, 2));
                float[][] y = new float[2][];
                for (int mode = 0; mode < 2; mode++) {
                    CausalConvCuda.runs = mode == 0;
                    try {
                        y[mode] = CausalConv1d.apply(x, Var.of(w), Var.of(bias), true, reverse).value().toFloatArray();
                    } finally {
                        CausalConvCuda.runs = true;
                    }
                }
                org.junit.jupiter.api.Assertions.assertArrayEquals(y[1], y[0], java.util.Arrays.toString(c) + (reverse ? " reverse" : ""));
            }
        }
    }

    private static void check(String what, Tensor expected, Tensor actual, double relative) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual.to(Device.CPU), relative * Math.max(scale, 1e-6), 0, what);
    }
}
