package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code Backend.matmulBf16Result} on CUDA (cuBLAS writing a bf16 C from its float32 accumulator) against the
 * reference definition: the same backend's float32 product of the bf16 operands rounded once to bf16 (Backend's
 * default). cuBLAS may pick another kernel (another accumulation order) for a bf16 C, so the float32 sums may differ
 * in their last bits (≲ k · 2⁻²⁴ relative to Σ|a·b|); rounding to bf16 then lands on the same value or its
 * neighbour: we allow one bf16 step, 2⁻⁸ of the reference's magnitude, plus 2⁻¹⁶ of Σ|a·b| for the sums. Shapes: SS2D's
 * Δ product (1, K, d, R) @ (B, K, R, L) (batched, a broadcast operand, R = 6 not a multiple of 8), a 2-D one and rows
 * over one shared matrix (a Linear on (B, H, W, C)).
 */
@Tag("gpu")
class MatmulBf16ResultGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach void needsGpu() { assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped"); }

    @Test void bf16ResultIsTheFloat32ProductRoundedOnce() {
        int[][][] cases = {{{1, 4, 96, 6}, {8, 4, 6, 196}}, {{64, 200}, {200, 48}}, {{2, 7, 9, 96}, {96, 384}}};
        long seed = 11;
        for (int[][] c : cases) {
            Tensor a = Tensor.randn(seed++, c[0]).to(DType.BF16).to(GPU), b = Tensor.randn(seed++, c[1]).to(DType.BF16).to(GPU);
            Tensor got = a.backend().matmulBf16Result(a, b);
            Tensor f32 = a.matmul(b);
            String what = java.util.Arrays.toString(c[0]) + " @ " + java.util.Arrays.toString(c[1]);
            assertEquals(DType.BF16, got.dtype(), what);
            assertArrayEquals(f32.shape(), got.shape(), what);
            Tensor absSum = a.to(DType.F32).abs().matmul(b.to(DType.F32).abs());
            float[] want = f32.to(DType.BF16).to(DType.F32).to(Device.CPU).toFloatArray(), have = got.to(DType.F32).to(Device.CPU).toFloatArray();
            float[] mag = absSum.to(Device.CPU).toFloatArray();
            for (int i = 0; i < want.length; i++) {
                double tol = 0x1p-8 * Math.abs(want[i]) + 0x1p-16 * mag[i];
                if (!(Math.abs(want[i] - have[i]) <= tol)) throw new AssertionError(what + "[" + i + "] is " + have[i] + ", expected " + want[i] + " ± " + tol);
            }
        }
    }
}
