package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The prefetching hidden-norm scan kernels ({@code scan_hidden_norm.cu}'s _p variants, {@code jmamba.scan.hiddenNormPrefetch})
 * do the plain kernels' arithmetic in the same order, only their loads are staged earlier, so every output of the
 * forward (y, mean, rstd, states) and the backward (nine gradients) must have the same bits. The plain kernels are
 * checked against float64 in HiddenNormScanGpuTest, the prefetching ones also on the emulation (HiddenNormScanEmulationTest).
 * Shapes: both prefetching budgets (up to 320 and 640 channels), partial tiles, one position, one tile, a long sequence,
 * and 704 channels, which has no prefetching kernel (both runs take the plain one).
 */
@Tag("gpu")
class HiddenNormScanPrefetchGpuTest {
    private static final Device GPU = Device.cuda(0);

    @Test void prefetchingKernelsGiveThePlainKernelsBits() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        // B, G, di, L
        int[][] cases = {{2, 2, 32, 37}, {3, 2, 160, 100}, {1, 3, 32, 1}, {2, 1, 320, 16}, {1, 2, 384, 50}, {2, 2, 640, 33},
            {1, 1, 704, 20}, {1, 2, 160, 700}};
        long seed = 4000;
        for (int[] c : cases) {
            int b = c[0], g = c[1], di = c[2], l = c[3], d = g * di;
            Tensor u = random(seed, -1, 1, b, d, l), delta = random(seed + 1, -3, 1, b, d, l), a = random(seed + 2, -1.6, -0.1, d, 1);
            Tensor xDbl = random(seed + 3, -1, 1, b, g, 3, l);                     // B and C as rows 1, 2 (x_proj's views)
            Tensor bs = xDbl.narrow(2, 1, 1), cs = xDbl.narrow(2, 2, 1);
            Tensor dSkip = random(seed + 4, -1, 1, d), bias = random(seed + 5, -1, 1, d);
            Tensor gamma = random(seed + 6, 0.5, 1.5, di), beta = random(seed + 7, -0.5, 0.5, di), gy = random(seed + 8, -1, 1, b, d, l);
            seed += 10;
            Tensor[][] runs = new Tensor[2][];
            int forwardBefore = HiddenNormScanCuda.prefetchForward, backwardBefore = HiddenNormScanCuda.prefetchBackward;
            try {
                for (int pf = 0; pf < 2; pf++) {
                    HiddenNormScanCuda.prefetchForward = HiddenNormScanCuda.prefetchBackward = pf == 1 ? HiddenNormScanCuda.MEDIUM_GROUP : 0;
                    Tensor[] fwd = HiddenNormScanCuda.forward(u, delta, a, bs, cs, dSkip, bias, gamma, beta, 1e-5);
                    Tensor[] bwd = HiddenNormScanCuda.backward(u, delta, a, bs, cs, dSkip, bias, gamma, beta, fwd[1], fwd[2], fwd[3], gy);
                    runs[pf] = new Tensor[fwd.length + bwd.length];
                    System.arraycopy(fwd, 0, runs[pf], 0, fwd.length);
                    System.arraycopy(bwd, 0, runs[pf], fwd.length, bwd.length);
                }
            } finally {
                HiddenNormScanCuda.prefetchForward = forwardBefore;
                HiddenNormScanCuda.prefetchBackward = backwardBefore;
            }
            String[] names = {"y", "mean", "rstd", "states", "du", "ddelta", "dA", "dD", "dDeltaBias", "dB", "dC", "dGamma", "dBeta"};
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(runs[0][i].toFloatArray(), runs[1][i].toFloatArray(), Arrays.toString(c) + " " + names[i]
                        + ": the prefetching kernels must give the plain kernels' bits");
            }
        }
    }

    private static Tensor random(long seed, double lo, double hi, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, lo, hi, DType.F32, GPU, shape);
    }
}
