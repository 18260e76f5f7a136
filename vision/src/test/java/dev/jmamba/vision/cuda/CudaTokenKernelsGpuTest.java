package dev.jmamba.vision.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import dev.jmamba.tensor.testing.TensorAssert;
import dev.jmamba.vision.tokenops.RotaryPairs;
import dev.jmamba.vision.tokenops.RowScale;
import dev.jmamba.vision.tokenops.TokenMeanNorm;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused token ops on CUDA ({@link CudaTokenKernels}) against the same ops on the CPU ({@code CpuTokenKernels},
 * itself tested against the compositions of ordinary ops in TokenOpsTest): values and every gradient through Var
 * backward, F32 and F64. Shapes cover a token count above the 256 threads of the norm blocks (L = 300), channel
 * counts that are not a multiple of the 8 warps of a block, and rows shorter and longer than a warp.
 *
 * <p>Tolerances: both sides accumulate in double; F32 results differ by the rounding of float32 loads, stores and
 * (GPU) fused multiply-adds, and the GPU's per-token statistics by E[y²] − mean² against the CPU's two passes:
 * 2e-5 of the largest magnitude for F32, 1e-11 for F64.
 */
@Tag("gpu")
class CudaTokenKernelsGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach void needsGpu() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    @Test void rotaryMatchesCpu() {
        long seed = 1;
        for (int[] s : new int[][] {{2, 5, 8}, {3, 196, 192}, {1, 7, 2}}) {                   // B, L, D
            Tensor cos = RandomTensors.gaussian(seed++, s[1], s[2]), sin = RandomTensors.gaussian(seed++, s[1], s[2]);
            for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                compare("rotary " + java.util.Arrays.toString(s) + " " + dtype, dtype, seed++,
                        in -> RotaryPairs.apply(in[0], Var.of(cos.to(dtype).to(in[0].device())), Var.of(sin.to(dtype).to(in[0].device()))),
                        new int[][] {s});
            }
        }
    }

    @Test void tokenMeanNormMatchesCpu() {
        long seed = 100;
        for (int[] s : new int[][] {{2, 6, 3, 5}, {4, 40, 2, 300}, {1, 384, 3, 196}, {3, 9, 1, 1}}) {   // N, C, B, L
            for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                int c = s[1];
                compare("token mean norm " + java.util.Arrays.toString(s) + " " + dtype, dtype, seed++,
                        in -> TokenMeanNorm.apply(in[0].mul(3).add(1), in[1], in[2], 1e-5), new int[][] {s, {c}, {c}});
            }
        }
    }

    @Test void rowScaleMatchesCpu() {
        long seed = 200;
        for (int[] s : new int[][] {{7, 9}, {100, 196}, {3, 1}, {5, 33}}) {                      // R, L
            for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                compare("row scale " + java.util.Arrays.toString(s) + " " + dtype, dtype, seed++,
                        in -> RowScale.apply(in[0], in[1]), new int[][] {s, {s[0]}});
            }
        }
    }

    /** f on the CPU and on the GPU with the same seeded inputs (all parameters) and output gradient. */
    private static void compare(String what, DType dtype, long seed, Function<Var[], Var> f, int[][] shapes) {
        Var[] cpu = new Var[shapes.length], gpu = new Var[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            Tensor t = RandomTensors.gaussian(seed * 31 + i, shapes[i]).to(dtype);
            cpu[i] = Var.param(t.copy());
            gpu[i] = Var.param(t.to(GPU));
        }
        Var yc = f.apply(cpu), yg = f.apply(gpu);
        assertEquals(GPU, yg.value().device(), what);
        Tensor gout = RandomTensors.gaussian(seed * 31 + 17, yc.shape()).to(dtype);
        yc.backward(gout);
        yg.backward(gout.to(GPU));
        double tol = dtype == DType.F64 ? 1e-11 : 2e-5;
        close(what + ": values", yc.value(), yg.value(), tol);
        for (int i = 0; i < shapes.length; i++) close(what + ": gradient of input " + i, cpu[i].grad(), gpu[i].grad(), tol);
    }

    private static void close(String what, Tensor expected, Tensor actual, double relative) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected.to(DType.F64), actual.to(Device.CPU).to(DType.F64), relative * Math.max(scale, 1e-12), 0, what);
    }
}
