package dev.jmamba.ssm.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.SimdSupport;
import dev.jmamba.tensor.testing.RandomTensors;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;

/**
 * {@link CausalConvSimd} (float32, Vector API) against the float64 loops of {@link CpuCausalConvKernels}
 * on the same values: forward and all gradients, both directions, with and without SiLU and bias, over
 * lengths below, at and off the vector width (tails), K = 1, typical K = 4, and K longer than L.
 *
 * <p>Tolerance: each output is a float32 sum of at most K products (plus the bias and the SiLU), about
 * K·2^-24 of the largest magnitude; dweight and dbias sum B·L terms, in float32 within a row (L ≤ 70
 * terms) and float64 across rows: about L·2^-24 ≈ 4e-6 relative. 2e-5 of the largest magnitude of each
 * output covers both with margin, while a wrong tap, a shifted position or a lost tail element (an error of
 * the order of one term) fails it.
 */
class CausalConvSimdTest {
    @Test void matchesTheFloat64LoopsInEveryDirectionAndShape() {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        int[][] cases = {{2, 3, 7, 4}, {1, 2, 5, 1}, {2, 2, 3, 5}, {3, 5, 16, 4}, {2, 4, 33, 3}, {4, 6, 50, 4}, {1, 3, 70, 2}, {2, 1, 8, 8}};
        long seed = 100;
        for (int[] c : cases) {
            for (boolean reverse : new boolean[] {false, true}) {
                for (boolean silu : new boolean[] {true, false}) {
                    for (boolean withBias : new boolean[] {true, false}) {
                        Tensor x = RandomTensors.gaussian(seed++, c[0], c[1], c[2]).to(DType.F32);
                        Tensor w = RandomTensors.gaussian(seed++, c[1], 1, c[3]).to(DType.F32);
                        Tensor bias = withBias ? RandomTensors.gaussian(seed++, c[1]).to(DType.F32) : null;
                        Tensor gy = RandomTensors.gaussian(seed++, c[0], c[1], c[2]).to(DType.F32);
                        String what = java.util.Arrays.toString(c) + (reverse ? " reverse" : "") + (silu ? " silu" : "") + (withBias ? " bias" : "");
                        Tensor y = CausalConvSimd.forward(x, w, bias, silu, reverse);
                        Tensor yRef = CpuCausalConvKernels.INSTANCE.forward(x.to(DType.F64), w.to(DType.F64),
                                bias == null ? null : bias.to(DType.F64), silu, reverse);
                        close(yRef, y, what + ": y");
                        Tensor[] g = CausalConvSimd.backward(x, w, bias, silu, gy, reverse);
                        Tensor[] gRef = CpuCausalConvKernels.INSTANCE.backward(x.to(DType.F64), w.to(DType.F64),
                                bias == null ? null : bias.to(DType.F64), silu, gy.to(DType.F64), reverse);
                        close(gRef[0], g[0], what + ": dx");
                        close(gRef[1], g[1], what + ": dweight");
                        if (withBias) close(gRef[2], g[2], what + ": dbias");
                        else assertEquals(null, g[2], what + ": dbias without bias");
                        assertEquals(DType.F32, y.dtype(), what);
                    }
                }
            }
        }
    }

    @Test void theCpuKernelsUseItForFloat32() {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        Tensor x = RandomTensors.gaussian(1, 2, 3, 9).to(DType.F32), w = RandomTensors.gaussian(2, 3, 1, 4).to(DType.F32);
        TensorAssert.assertClose(CausalConvSimd.forward(x, w, null, true, true),
                CpuCausalConvKernels.INSTANCE.forward(x, w, null, true, true), 0, 0, "same path");
    }

    private static void close(Tensor expected, Tensor actual, String what) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected.to(DType.F64), actual.to(DType.F64), 2e-5 * Math.max(scale, 1e-6), 0, what);
    }
}
