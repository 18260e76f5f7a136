package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jmamba.nn.LayerCheck.randn64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BatchNorm2d train/eval behaviour; Dropout and DropPath determinism and scaling. */
class BatchNormDropoutTest {

    /** Per-channel mean and variance over (N, H, W) in plain loops, from a (N, C, H, W) array. */
    private static double[][] channelStats(double[] x, int n, int c, int hw) {
        double[] mean = new double[c], var = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) s += x[(i * c + ch) * hw + p];
            mean[ch] = s / (n * hw);
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) { double d = x[(i * c + ch) * hw + p] - mean[ch]; s2 += d * d; }
            var[ch] = s2 / (n * hw); // biased
        }
        return new double[][] {mean, var};
    }

    @Test void batchNormTrainingUsesBatchStatsAndUpdatesRunningStats() {
        int n = 3, c = 2, h = 2, w = 3, hw = h * w, count = n * hw;
        BatchNorm2d bn = new BatchNorm2d(c);
        bn.to(DType.F64);
        Tensor x = randn64(1, n, c, h, w).mul(2).add(0.5);
        double[] xs = x.toDoubleArray();
        double[][] st = channelStats(xs, n, c, hw);
        double[] y = bn.forward(Var.of(x)).value().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            int ch = (i / hw) % c;
            assertEquals((xs[i] - st[0][ch]) / Math.sqrt(st[1][ch] + 1e-5), y[i], 1e-12);
        }
        double[] rm = bn.runningMean().toDoubleArray(), rv = bn.runningVar().toDoubleArray();
        for (int ch = 0; ch < c; ch++) {
            assertEquals(0.9 * 0 + 0.1 * st[0][ch], rm[ch], 1e-12);
            assertEquals(0.9 * 1 + 0.1 * st[1][ch] * count / (count - 1), rv[ch], 1e-12); // unbiased
        }
        assertEquals(1, bn.stateDict().get("num_batches_tracked").item());
        LayerCheck.check(bn, randn64(2, 2, c, 2, 2));
    }

    @Test void batchNormEvalUsesRunningStats() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.to(DType.F64);
        bn.runningMean().copyFrom(Tensor.of(new double[] {1, -2}, 2));
        bn.runningVar().copyFrom(Tensor.of(new double[] {4, 0.25}, 2));
        bn.weight().set(Tensor.of(new double[] {2, 3}, 2));
        bn.bias().set(Tensor.of(new double[] {0.5, -1}, 2));
        bn.eval();
        Tensor x = randn64(3, 2, 2, 1, 3);
        double[] xs = x.toDoubleArray(), y = bn.forward(Var.of(x)).value().toDoubleArray();
        double[] m = {1, -2}, v = {4, 0.25}, g = {2, 3}, b = {0.5, -1};
        for (int i = 0; i < xs.length; i++) {
            int ch = (i / 3) % 2;
            assertEquals((xs[i] - m[ch]) / Math.sqrt(v[ch] + 1e-5) * g[ch] + b[ch], y[i], 1e-12);
        }
        assertArrayEquals(new double[] {1, -2}, bn.runningMean().toDoubleArray(), 0, "eval must not touch running stats");
        assertEquals(0, bn.stateDict().get("num_batches_tracked").item());
        LayerCheck.check(bn, randn64(4, 2, 2, 2, 2));
    }

    @Test void dropoutIsSeededScaledAndIdentityInEval() {
        double p = 0.25;
        Tensor x = Tensor.ones(100, 100);
        Dropout a = new Dropout(p, 5), b = new Dropout(p, 5);
        double[] a1 = a.forward(Var.of(x)).value().toDoubleArray();
        double[] b1 = b.forward(Var.of(x)).value().toDoubleArray();
        double[] a2 = a.forward(Var.of(x)).value().toDoubleArray();
        assertArrayEquals(a1, b1, 0, "same seed and call index give the same mask");
        assertNotEquals(java.util.Arrays.toString(a1), java.util.Arrays.toString(a2), "the second call uses a new mask");
        int zeros = 0;
        for (double v : a1) {
            assertTrue(v == 0 || Math.abs(v - 1 / (1 - p)) < 1e-6, "value " + v);
            if (v == 0) zeros++;
        }
        // 10,000 Bernoulli(0.25) draws: std of the count is sqrt(10000·0.25·0.75) ≈ 43; allow 5 std.
        assertEquals(2500, zeros, 5 * 43.3);
        a.eval();
        Var v = Var.of(x);
        assertTrue(a.forward(v) == v);
        assertTrue(new Dropout(0, 1).forward(v) == v);
    }

    @Test void dropPathDropsWholeSamplesAndIsSeeded() {
        double rate = 0.5;
        int batch = 64;
        Tensor x = Tensor.ones(batch, 3, 4);
        DropPath a = new DropPath(rate, 9), b = new DropPath(rate, 9);
        double[] ya = a.forward(Var.of(x)).value().toDoubleArray();
        assertArrayEquals(ya, b.forward(Var.of(x)).value().toDoubleArray(), 0);
        int dropped = 0;
        for (int s = 0; s < batch; s++) {
            double first = ya[s * 12];
            assertTrue(first == 0 || Math.abs(first - 2) < 1e-6, "sample " + s + " value " + first);
            for (int j = 1; j < 12; j++) assertEquals(first, ya[s * 12 + j], 0, "whole sample shares one decision");
            if (first == 0) dropped++;
        }
        assertTrue(dropped > 10 && dropped < 54, "about half of 64 samples dropped, got " + dropped); // ±5.5 std
        Var v = Var.of(x);
        assertTrue(new DropPath(0, 1).forward(v) == v);
        a.eval();
        assertTrue(a.forward(v) == v);
    }
}
