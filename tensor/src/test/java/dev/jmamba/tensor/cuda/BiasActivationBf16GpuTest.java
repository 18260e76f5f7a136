package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The autocast MLP's activation kernels ({@code bias_act_*}, {@code act_grad_bf16} of strided.cu) against the CPU
 * backend's loops, for GELU, SiLU and tanh, with rows whose length is a multiple of 4 (the vector path) and not (the
 * scalar path), with a bias (float32 x) and without (bf16 x, the backward's recomputation).
 *
 * <p>Tolerances: pre = bf16(x + b) is one float32 add and one rounding on both sides: bit-identical. The activation
 * is computed in float by CUDA's functions and in double on the CPU, then rounded to bf16: where the float value is
 * near a rounding boundary the two land on neighbouring bf16 values, so act may differ by one bf16 step (2⁻⁸ of the
 * value). In GELU's far negative tail (values ~1e-15 at pre ≈ −8) the float erfc's relative error grows (measured: 3%
 * at −6.2e-15), so the bound also admits an absolute 2⁻²³·max(1, |pre|): GELU = pre·Φ(pre) with Φ computed to within
 * float rounding of its range [0, 1]. The gradient gy·act'(pre) is float on both sides with the derivative float vs
 * double: 2⁻¹⁹ of |gy|·max(1, |act'|) plus float rounding.
 */
@Tag("gpu")
class BiasActivationBf16GpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Test void biasActivationAndItsGradientMatchTheCpu() {
        long seed = 40;
        for (UnaryOp op : new UnaryOp[] {UnaryOp.GELU, UnaryOp.SILU, UnaryOp.TANH}) {
            for (int[] shape : new int[][] {{3, 50, 384}, {7, 13}, {2, 5, 6}}) {
                int n = shape[shape.length - 1];
                Tensor x = Tensor.randn(seed++, shape).mul(2), bias = Tensor.randn(seed++, n), gy = Tensor.randn(seed++, shape);
                String what = op + " " + java.util.Arrays.toString(shape);
                Tensor[] cpu = Backends.of(Device.CPU).biasActivationBf16(op, x, bias);
                Tensor[] gpu = Backends.of(GPU).biasActivationBf16(op, x.to(GPU), bias.to(GPU));
                assertEquals(DType.BF16, gpu[0].dtype(), what);
                assertEquals(DType.BF16, gpu[1].dtype(), what);
                assertEquals(0, cpu[0].maxAbsDiff(gpu[0].to(Device.CPU)), what + ": pre = bf16(x + b), bit-identical");
                oneBf16Step(cpu[1], gpu[1].to(Device.CPU), cpu[0], what + ": act");
                Tensor[] again = Backends.of(GPU).biasActivationBf16(op, gpu[0], null);
                assertNull(again[0], what + ": no pre without a bias");
                assertEquals(0, gpu[1].to(Device.CPU).maxAbsDiff(again[1].to(Device.CPU)), what + ": recomputing from pre gives the same act");
                Tensor gc = Backends.of(Device.CPU).activationGradBf16(op, cpu[0], gy);
                Tensor gg = Backends.of(GPU).activationGradBf16(op, gpu[0], gy.to(GPU)).to(Device.CPU);
                assertEquals(DType.F32, gg.dtype());
                float[] want = gc.toFloatArray(), got = gg.toFloatArray(), g = gy.toFloatArray(), p = cpu[0].toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    double d = Math.abs(op.derivative(p[i], 0, 0));
                    double tol = 0x1p-19 * Math.abs(g[i]) * Math.max(1, d) + 0x1p-23 * Math.abs(want[i]) + 1e-30;
                    assertTrue(Math.abs(want[i] - got[i]) <= tol, what + ": grad " + i + ": " + want[i] + " vs " + got[i]);
                }
            }
        }
    }

    private static void oneBf16Step(Tensor want, Tensor got, Tensor pre, String what) {
        float[] w = want.toFloatArray(), g = got.toFloatArray(), p = pre.toFloatArray();
        int differing = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] == g[i]) continue;
            differing++;
            double tol = 0x1p-8 * Math.max(Math.abs(w[i]), Math.abs(g[i])) + 0x1p-23 * Math.max(1, Math.abs(p[i]));
            assertTrue(Math.abs(w[i] - g[i]) <= tol, what + " " + i + ": " + w[i] + " vs " + g[i]);
        }
        assertTrue(differing <= Math.max(2, w.length / 20), what + ": " + differing + " of " + w.length + " differ");
    }
}
