package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DropPath#addTo}: residual + drop path(branch + bias) as one node equals the separate ops — values and every
 * gradient bit for bit, in training (a mask that drops a sample) and in eval — and its gradients pass a finite-difference
 * check. The op is linear in each input, so a central difference in float32 with h = 1e-2 is exact up to rounding:
 * |error| ≤ ε·Σ|terms|/h ≈ 6e-8 · 40 / 1e-2 ≈ 2.4e-4 on these sizes; we allow 1e-3.
 */
class DropPathResidualTest {
    private static final int B = 4, L = 3, C = 5;

    private static Tensor values(long seed, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 2 * r.nextDouble() - 1;
        return Tensor.of(v, shape).to(DType.F32);
    }

    private record Grads(float[] out, float[] dx, float[] dy, float[] db) {}

    private static Grads run(boolean fused, boolean training, Tensor weights) {
        DropPath dp = new DropPath(0.5, 77);
        dp.train(training);
        Var x = Var.of(values(1, B, L, C)).requiresGrad(true), y = Var.of(values(2, B, L, C)).requiresGrad(true);
        Var b = Var.of(values(3, C)).requiresGrad(true);
        Var out = fused ? dp.addTo(x, y, b) : x.add(dp.forward(y.add(b)));
        out.mul(Var.of(weights)).sum().backward();
        return new Grads(out.value().toFloatArray(), x.grad().toFloatArray(), y.grad().toFloatArray(), b.grad().toFloatArray());
    }

    @Test void equalsTheSeparateOpsInTrainingAndEval() {
        Tensor weights = values(9, B, L, C);
        for (boolean training : new boolean[] {true, false}) {
            Grads fused = run(true, training, weights), plain = run(false, training, weights);
            assertArrayEquals(plain.out, fused.out, "values, training " + training);
            assertArrayEquals(plain.dx, fused.dx, "dx");
            assertArrayEquals(plain.dy, fused.dy, "dbranch");
            assertArrayEquals(plain.db, fused.db, "dbias");
        }
        float[] dy = run(true, true, weights).dy;
        int dropped = 0;
        for (int s = 0; s < B; s++) if (dy[s * L * C] == 0 && dy[s * L * C + 1] == 0) dropped++;
        assertEquals(true, dropped > 0 && dropped < B, "seed 77 drops some samples and keeps others: " + dropped);
    }

    @Test void gradientsMatchCentralDifferences() {
        Tensor weights = values(9, B, L, C);
        Grads g = run(true, true, weights);
        Tensor x0 = values(1, B, L, C), y0 = values(2, B, L, C), b0 = values(3, C);
        double h = 1e-2;
        for (int which = 0; which < 3; which++) {
            Tensor base = which == 0 ? x0 : which == 1 ? y0 : b0;
            float[] analytic = which == 0 ? g.dx : which == 1 ? g.dy : g.db;
            for (int k = 0; k < base.numel(); k += 7) {
                double plus = loss(which, k, h, x0, y0, b0, weights), minus = loss(which, k, -h, x0, y0, b0, weights);
                assertEquals((plus - minus) / (2 * h), analytic[k], 1e-3, "input " + which + " element " + k);
            }
        }
    }

    private static double loss(int which, int k, double delta, Tensor x0, Tensor y0, Tensor b0, Tensor weights) {
        float[][] v = {x0.toFloatArray(), y0.toFloatArray(), b0.toFloatArray()};
        v[which][k] += (float) delta;
        DropPath dp = new DropPath(0.5, 77);   // the same seed and call count: the same mask
        dp.train(true);
        Var out = dp.addTo(Var.of(Tensor.of(v[0], B, L, C)), Var.of(Tensor.of(v[1], B, L, C)), Var.of(Tensor.of(v[2], C)));
        double s = 0;
        float[] o = out.value().toFloatArray(), w = weights.toFloatArray();
        for (int i = 0; i < o.length; i++) s += (double) o[i] * w[i];
        return s;
    }
}
