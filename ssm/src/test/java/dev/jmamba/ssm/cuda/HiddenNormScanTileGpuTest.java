package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.HiddenNormScan;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The 8-position-tile kernels for groups of 321-640 channels ({@code scan_hidden_norm.cu}'s t8 kernels,
 * {@code jmamba.scan.hiddenNormMediumTile=8}) against the float64 composition on the CPU ({@link HiddenNormScan} there:
 * the scan with C = 1, then the channel norm), y and all nine gradients, plain and prefetching. They sum each position's
 * channels in another order than the 16-position kernels, so the bound is the one HiddenNormScanGpuTest puts on the fused
 * kernels: within 1e-4 of each result's largest magnitude, and within 4 times the 16-position kernels' own error (same
 * float32 terms, other orders). Shapes: 352, 384 and 640 channels; L of 1, 8 (one tile), 9, 33 and 196 (FractalMamba-T's
 * stage 3). A backward given the states of a forward with the other tile is refused.
 */
@Tag("gpu")
class HiddenNormScanTileGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final String[] NAMES = {"y", "du", "ddelta", "dA", "dD", "dDeltaBias", "dB", "dC", "dGamma", "dBeta"};

    @Test void eightPositionTilesMatchTheFloat64Composition() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        int[][] cases = {{2, 2, 384, 33}, {1, 1, 640, 196}, {2, 1, 352, 9}, {1, 2, 640, 8}, {3, 1, 384, 1}};   // B, G, di, L
        long seed = 7000;
        for (int[] c : cases) {
            int b = c[0], g = c[1], di = c[2], l = c[3], d = g * di;
            Tensor[] in = {random(seed, -1, 1, b, d, l), random(seed + 1, -3, 1, b, d, l), random(seed + 2, -1.6, -0.1, d, 1),
                random(seed + 3, -1, 1, b, g, 1, l), random(seed + 4, -1, 1, b, g, 1, l), random(seed + 5, -1, 1, d),
                random(seed + 6, -1, 1, d), random(seed + 7, 0.5, 1.5, di), random(seed + 8, -0.5, 0.5, di)};
            Tensor gy = random(seed + 9, -1, 1, b, d, l);
            seed += 10;
            double[][] want = reference(in, gy);
            double[][] tile16 = onGpu(in, gy, 16, false);
            for (boolean prefetch : new boolean[] {false, true}) {
                double[][] tile8 = onGpu(in, gy, 8, prefetch);
                for (int i = 0; i < want.length; i++) {
                    String what = Arrays.toString(c) + (prefetch ? " prefetching " : " ") + NAMES[i];
                    double scale = Math.max(1, maxAbs(want[i])), err8 = maxDiff(want[i], tile8[i]), err16 = maxDiff(want[i], tile16[i]);
                    assertTrue(err8 <= 1e-4 * scale, what + ": error " + err8 + " of scale " + scale);
                    assertTrue(err8 <= 4 * Math.max(err16, 1e-6 * scale), what + ": error " + err8 + " against the 16-position kernels' " + err16);
                }
            }
        }
    }

    @Test void aBackwardRefusesStatesOfTheOtherTile() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        int b = 1, g = 1, di = 384, l = 40, d = g * di;
        Tensor[] in = {random(1, -1, 1, b, d, l), random(2, -3, 1, b, d, l), random(3, -1.6, -0.1, d, 1), random(4, -1, 1, b, g, 1, l),
            random(5, -1, 1, b, g, 1, l), random(6, -1, 1, d), random(7, -1, 1, d), null, null};
        int before = HiddenNormScanCuda.mediumTile;
        try {
            HiddenNormScanCuda.mediumTile = 16;
            Tensor[] fwd = HiddenNormScanCuda.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], null, null, 1e-5);
            assertEquals(3, fwd[3].size(1), "ceil(40 / 16) states");
            HiddenNormScanCuda.mediumTile = 8;
            JmambaException e = assertThrows(JmambaException.class, () -> HiddenNormScanCuda.backward(in[0], in[1], in[2], in[3],
                    in[4], in[5], in[6], null, null, fwd[1], fwd[2], fwd[3], random(8, -1, 1, b, d, l)));
            assertTrue(e.getMessage().contains("states"), e.getMessage());
        } finally {
            HiddenNormScanCuda.mediumTile = before;
        }
    }

    /** y and the nine gradients of the composition in float64 on the CPU, flattened. */
    private static double[][] reference(Tensor[] in, Tensor gy) {
        Var[] v = new Var[in.length];
        for (int i = 0; i < in.length; i++) v[i] = Var.param(in[i].to(Device.CPU).to(DType.F64).copy());
        Var y = HiddenNormScan.apply(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], 1e-5);   // on the CPU: the composition
        y.backward(gy.to(Device.CPU).to(DType.F64));
        double[][] out = new double[10][];
        out[0] = y.value().toDoubleArray();
        int[] order = {0, 1, 2, 5, 6, 3, 4, 7, 8};   // du, ddelta, dA, dD, dDeltaBias, dB, dC, dGamma, dBeta
        for (int i = 0; i < 9; i++) out[i + 1] = v[order[i]].grad().toDoubleArray();
        return out;
    }

    /** y and the nine gradients of the CUDA kernels with the given tile for 321-640 channels, flattened. */
    private static double[][] onGpu(Tensor[] in, Tensor gy, int tile, boolean prefetch) {
        int tileBefore = HiddenNormScanCuda.mediumTile, forwardBefore = HiddenNormScanCuda.prefetchForward;
        int backwardBefore = HiddenNormScanCuda.prefetchBackward;
        try {
            HiddenNormScanCuda.mediumTile = tile;
            HiddenNormScanCuda.prefetchForward = HiddenNormScanCuda.prefetchBackward = prefetch ? HiddenNormScanCuda.MEDIUM_GROUP : 0;
            Tensor[] fwd = HiddenNormScanCuda.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], 1e-5);
            Tensor[] bwd = HiddenNormScanCuda.backward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], fwd[1], fwd[2],
                    fwd[3], gy);
            double[][] out = new double[10][];
            out[0] = fwd[0].to(Device.CPU).toDoubleArray();
            for (int i = 0; i < 9; i++) out[i + 1] = bwd[i].to(Device.CPU).toDoubleArray();
            return out;
        } finally {
            HiddenNormScanCuda.mediumTile = tileBefore;
            HiddenNormScanCuda.prefetchForward = forwardBefore;
            HiddenNormScanCuda.prefetchBackward = backwardBefore;
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) m = Math.max(m, Math.abs(x));
        return m;
    }

    private static double maxDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length, "result sizes");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double e = Math.abs(a[i] - b[i]);
            m = Double.isNaN(e) ? Double.POSITIVE_INFINITY : Math.max(m, e);
        }
        return m;
    }

    private static Tensor random(long seed, double lo, double hi, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, lo, hi, DType.F32, GPU, shape);
    }
}
