package dev.jmamba.nn;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jmamba.nn.LayerCheck.randn64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loss values against plain-double formulas, and gradient checks. */
class LossesTest {
    private static final int[] LABELS = {2, 0, 1};

    /** mean_b Σ_k −t_b,k · log softmax(z_b)_k with t = (1−ε)·onehot + ε/K, in plain doubles. */
    private static double reference(double[] z, int b, int k, int[] labels, double eps) {
        double total = 0;
        for (int i = 0; i < b; i++) {
            double max = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < k; j++) max = Math.max(max, z[i * k + j]);
            for (int j = 0; j < k; j++) s += Math.exp(z[i * k + j] - max);
            double lse = max + Math.log(s);
            for (int j = 0; j < k; j++) {
                double t = (j == labels[i] ? 1 - eps : 0) + eps / k;
                total -= t * (z[i * k + j] - lse);
            }
        }
        return total / b;
    }

    @Test void crossEntropyMatchesFormulaWithAndWithoutSmoothing() {
        Tensor logits = randn64(1, 3, 4).mul(3);
        double[] z = logits.toDoubleArray();
        for (double eps : new double[] {0, 0.1}) {
            double got = Losses.crossEntropy(Var.of(logits), LABELS, eps).value().item();
            assertEquals(reference(z, 3, 4, LABELS, eps), got, 1e-12, "eps " + eps);
        }
        double viaTensor = Losses.crossEntropy(Var.of(logits), Tensor.of(LABELS, 3), 0.1).value().item();
        assertEquals(reference(z, 3, 4, LABELS, 0.1), viaTensor, 1e-12);
    }

    @Test void crossEntropyGradients() {
        GradCheck.check(v -> Losses.crossEntropy(v[0], LABELS, 0), randn64(2, 3, 4));
        GradCheck.check(v -> Losses.crossEntropy(v[0], LABELS, 0.2), randn64(3, 3, 4));
    }

    @Test void softCrossEntropyEqualsSmoothedCrossEntropyForSmoothedTargets() {
        Tensor logits = randn64(4, 3, 4);
        double eps = 0.1;
        double[] t = new double[12];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) t[i * 4 + j] = (j == LABELS[i] ? 1 - eps : 0) + eps / 4;
        Tensor targets = Tensor.of(t, 3, 4);
        double soft = Losses.softCrossEntropy(Var.of(logits), targets).value().item();
        assertEquals(reference(logits.toDoubleArray(), 3, 4, LABELS, eps), soft, 1e-12);
        GradCheck.check(v -> Losses.softCrossEntropy(v[0], targets), randn64(5, 3, 4));
    }

    @Test void badLabelsAreNamed() {
        Var logits = Var.of(randn64(6, 3, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new int[] {0, 4, 1}, 0));
        assertTrue(e.getMessage().contains("label 1") && e.getMessage().contains("[0, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new int[] {0, 1}, 0));
        assertTrue(e.getMessage().contains("expected 3 labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.softCrossEntropy(logits, Tensor.zeros(3, 5)));
        assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
    }
}
