package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measures one training step (forward + backward, batch 64, 28×28×1, 10 classes) of each nano preset
 * and a batch-1 forward of each tiny preset at 224. Tagged "slow" (not part of the default suite):
 * {@code mvn -pl vision -am test -Dtest=NanoTimingTest -Dsurefire.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class NanoTimingTest {

    @Test
    void nanoTrainingStepAndTinyForward() {
        int[] labels = new int[64];
        for (int i = 0; i < 64; i++) labels[i] = i % 10;
        Var x = Var.of(Tensor.randn(1, 64, 1, 28, 28));
        for (String name : Backbones.names()) {
            if (!name.endsWith("-nano")) continue;
            Backbone m = Backbones.create(name, 10, 28, 1, 1L);
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 4; rep++) {
                m.zeroGrad();
                long t0 = System.nanoTime();
                Losses.crossEntropy(m.forward(x), labels, 0.0).backward();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            System.out.printf("TIMING %s fwd+bwd batch 64 28x28: %.3f s (best of 4), %d params%n", name, best, m.numParameters());
            assertTrue(best < 5.0);
        }
        Var img = Var.of(Tensor.randn(2, 1, 3, 224, 224));
        for (String name : Backbones.names()) {
            if (!name.endsWith("-tiny")) continue;
            Backbone m = Backbones.create(name, 1000, 224, 3, 1L);
            m.eval();
            long t0 = System.nanoTime();
            try (var g = dev.jmamba.autograd.Autograd.noGrad()) {
                m.forward(img);
            }
            System.out.printf("TIMING %s forward batch 1 224x224: %.3f s%n", name, (System.nanoTime() - t0) / 1e9);
        }
    }
}
