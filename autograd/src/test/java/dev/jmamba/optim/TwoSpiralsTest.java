package dev.jmamba.optim;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.SiLU;
import dev.jmamba.nn.Sequential;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Acceptance test of issue 3: an MLP learns the two-spirals task with AdamW. */
class TwoSpiralsTest {

    @Test void mlpLearnsTwoSpirals() {
        int perClass = 100, n = 2 * perClass;
        float[] xs = new float[n * 2];
        int[] labels = new int[n];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < perClass; i++) {
            double r = (double) i / perClass * 5, angle = 1.75 * i / perClass * 2 * Math.PI;
            for (int c = 0; c < 2; c++) {
                int k = 2 * i + c;
                double a = angle + c * Math.PI;                          // the second spiral is the first rotated by π
                xs[2 * k] = (float) (r * Math.cos(a) / 5 + 0.02 * rng.nextGaussian());
                xs[2 * k + 1] = (float) (r * Math.sin(a) / 5 + 0.02 * rng.nextGaussian());
                labels[k] = c;
            }
        }
        Tensor x = Tensor.of(xs, n, 2);                                   // (200, 2)
        Sequential mlp = new Sequential(new Linear(2, 64, true, 1), new GELU(), new Linear(64, 64, true, 2), new SiLU(),
                new Linear(64, 2, true, 3));
        AdamW opt = new AdamW(ParamGroups.noDecayFor(mlp, 1e-4), 0.01);
        int steps = 600;
        LrSchedule schedule = LrSchedule.warmupCosine(0.01, 20, steps, 1e-4, 1e-4);
        for (int step = 0; step < steps; step++) {
            try (Scope s = Scope.open()) {
                opt.zeroGrad();
                Losses.crossEntropy(mlp.forward(Var.of(x)), labels, 0).backward();
                opt.setLr(schedule.lr(step));
                opt.step();
            }
        }
        int correct = 0;
        try (var g = Autograd.noGrad()) {
            int[] pred = mlp.forward(Var.of(x)).value().argmax(1, false).toIntArray();
            for (int i = 0; i < n; i++) if (pred[i] == labels[i]) correct++;
        }
        double acc = (double) correct / n;
        System.out.println("two-spirals train accuracy after " + steps + " AdamW steps: " + acc);
        assertTrue(acc >= 0.95, "train accuracy " + acc);
    }
}
