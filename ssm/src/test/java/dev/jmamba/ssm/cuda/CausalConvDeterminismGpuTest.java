package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.ssm.conv.CausalConvKernels;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * The CUDA causal conv1d backward is bit-reproducible: run twice on the same inputs, dx, dweight and dbias have
 * the same bits. Tolerance 0: the blocks that share a channel write partial sums that causal_conv_wgrad_sum adds
 * in a fixed order (causal_conv1d.cu, "Determinism"); with the float atomics it had before, dweight and dbias
 * changed in their last bits from run to run. The first run is also checked against the CPU op (float64 loops)
 * with CausalConv1dGpuTest's tolerances (1e-5 of the largest magnitude for dx, 1e-4 for dweight and dbias in F32;
 * 1e-12 in F64), so the sums are right, not only repeatable.
 *
 * <p>Cases: the row kernel with one batch per block (B·D = 1024 < 4096: 16 partials per channel) and with batch
 * groups (Vim-T's B·D: 22 groups of 6 batches), forward and reverse, in F32 and F64; the general kernels (K = 9)
 * with B·L = 12000 (3 chunk partials per channel); and B = 1 with D = 4096 (one block per channel: dw written directly).
 */
@Tag("gpu")
class CausalConvDeterminismGpuTest {

    @Test void twoBackwardRunsGiveTheSameBits() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        CausalConvKernels cuda = new CudaCausalConvKernels(), cpu = CausalConvKernels.forDevice(Device.CPU);
        int[][] cases = {{16, 64, 197, 4}, {128, 192, 197, 4}, {4, 8, 3000, 9}, {1, 4096, 40, 4}};   // (B, D, L, K)
        long seed = 900;
        for (int[] c : cases) {
            for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                for (boolean reverse : new boolean[] {false, true}) {
                    Tensor x = Tensor.randn(seed++, c[0], c[1], c[2]).to(dtype);
                    Tensor w = Tensor.randn(seed++, c[1], 1, c[3]).mul(0.5).to(dtype);
                    Tensor b = Tensor.randn(seed++, c[1]).to(dtype);
                    Tensor gy = Tensor.randn(seed++, c[0], c[1], c[2]).to(dtype);
                    Tensor xg = x.to(gpu), wg = w.to(gpu), bg = b.to(gpu), gyg = gy.to(gpu);
                    String what = java.util.Arrays.toString(c) + " " + dtype + (reverse ? " reverse" : "");
                    Tensor[] first = cuda.backward(xg, wg, bg, true, gyg, reverse);
                    Tensor[] again = cuda.backward(xg, wg, bg, true, gyg, reverse);
                    Tensor[] ref = cpu.backward(x, w, b, true, gy, reverse);
                    String[] names = {"dx", "dweight", "dbias"};
                    boolean f64 = dtype == DType.F64;
                    for (int i = 0; i < 3; i++) {
                        check(what + ": " + names[i], ref[i], first[i], f64 ? 1e-12 : i == 0 ? 1e-5 : 1e-4);
                        assertSameBits(what + ": " + names[i], first[i], again[i]);
                    }
                }
            }
        }
    }

    private static void assertSameBits(String what, Tensor first, Tensor again) {
        double[] x = first.toDoubleArray(), y = again.toDoubleArray();   // exact: F32 values widen to F64 without rounding
        assertEquals(x.length, y.length, what);
        for (int i = 0; i < x.length; i++) {
            if (Double.doubleToRawLongBits(x[i]) != Double.doubleToRawLongBits(y[i])) {
                fail(what + "[" + i + "] is " + x[i] + " in the first run and " + y[i] + " in the second: not bit-reproducible");
            }
        }
    }

    private static void check(String what, Tensor expected, Tensor actual, double relative) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual.to(Device.CPU), relative * Math.max(scale, 1e-6), 0, what);
    }
}
