package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Products with rows that are not 16 bytes apart ({@code jmamba.cuda.alignRows=true}, {@link MatmulKernels#alignRows}:
 * operands copied into padded rows, results written into padded rows and copied out) against the CPU in float64, on
 * SS2D's dt_proj shapes: the shared weight (1, K, d_inner, R) with R = 5, 6, 7 times (B, K, R, L), its transposed use in
 * the input gradient, and the weight gradient (.., d_inner, L) @ (.., L, R) whose result rows are R long; float32 and
 * bf16 operands; the same products with the switch off must agree to the same tolerance.
 *
 * <p>Tolerance: float32 accumulation over k terms in [-1, 1): 1e-5 · k per element (as MatmulSplitKGpuTest); bf16
 * operands are the CPU reference's inputs rounded to bf16 first, so only the float32 accumulation differs: same bound.
 */
@Tag("gpu")
class MatmulAlignRowsGpuTest {

    private static Tensor uniform(long seed, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, Device.CPU, shape);
    }

    @Test void paddedRowsMatchTheCpu() {
        GpuTests.context();
        Device gpu = Device.cuda(0);
        long seed = 11;
        for (int r : new int[] {5, 6, 7, 8}) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                int b = 3, k = 4, di = 42, l = 49;   // (R + 2)·42 is not a multiple of 4: a misaligned batch stride
                Tensor w = uniform(seed++, 1, k, di, r), dts = uniform(seed++, b, k, r, l), dy = uniform(seed++, b, k, di, l);
                Tensor[][] products = {
                        {w, dts},                                           // Δ = W @ dts: A rows R long, shared
                        {w.transpose(2, 3), dy},                            // dts gradient: Wᵀ stored transposed
                        {dy, dts.transpose(2, 3)},                          // W gradient: C rows R long
                        {uniform(seed++, b, k, r + 2, di).narrow(2, 0, r), dy},   // A rows di long, a narrowed batch
                        {uniform(seed++, r, di), uniform(seed++, di * l + 1).narrow(0, 1, di * l).reshape(di, l)},   // B 4 bytes off 16
                };
                for (int i = 0; i < products.length; i++) {
                    Tensor a = products[i][0].to(dtype).to(DType.F32), bb = products[i][1].to(dtype).to(DType.F32);
                    double[] want = a.to(DType.F64).matmul(bb.to(DType.F64)).toDoubleArray();
                    int contraction = a.size(-1);
                    Tensor ag = products[i][0].to(dtype).to(gpu), bg = products[i][1].to(dtype).to(gpu);
                    boolean before = MatmulKernels.alignRows;
                    try {
                        for (boolean on : new boolean[] {true, false}) {
                            MatmulKernels.alignRows = on;
                            Tensor out = ag.matmul(bg);
                            String what = "R " + r + " " + dtype + " product " + i + " alignRows " + on;
                            assertArrayEquals(a.matmul(bb).shape(), out.shape(), what);
                            double[] got = out.to(Device.CPU).to(DType.F64).toDoubleArray();
                            double worst = 0;
                            for (int j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
                            assertTrue(worst <= 1e-5 * contraction, what + ": largest error " + worst + " " + Arrays.toString(out.shape()));
                        }
                    } finally {
                        MatmulKernels.alignRows = before;
                    }
                }
            }
        }
    }
}
