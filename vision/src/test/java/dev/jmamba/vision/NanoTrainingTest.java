package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward + backward of the nano presets at several resolutions, gradients on every parameter, a few AdamW steps. */
class NanoTrainingTest {

    static List<String> nanos() {
        return Backbones.names().stream().filter(n -> n.endsWith("-nano")).toList();
    }

    private static Var images(long seed, int batch, int channels, int side) {
        return Var.of(Tensor.randn(seed, batch, channels, side, side));
    }

    /** 28 (Fashion-MNIST), 32 and 40 (non-power-of-two token grids for every family). */
    @ParameterizedTest
    @MethodSource("nanos")
    void gradientsReachEveryParameterAtSeveralResolutions(String name) {
        Backbone model = Backbones.create(name, 10, 28, 1, 7L);
        for (int side : new int[] {28, 32, 40}) {
            model.zeroGrad();
            Var logits = model.forward(images(side, 3, 1, side));
            assertArrayEquals(new int[] {3, 10}, logits.shape(), name + " at " + side);
            Var loss = Losses.crossEntropy(logits, new int[] {1, 4, 9}, 0.0);
            assertTrue(Double.isFinite(loss.value().item()), name + " loss at " + side);
            loss.backward();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                Tensor g = e.getValue().grad();
                assertNotNull(g, name + " at " + side + ": no gradient for " + e.getKey());
                float[] v = g.toFloatArray();
                boolean nonZero = false;
                for (float f : v) {
                    assertTrue(Float.isFinite(f), name + " at " + side + ": non-finite gradient in " + e.getKey());
                    nonZero |= f != 0f;
                }
                assertTrue(nonZero, name + " at " + side + ": all-zero gradient for " + e.getKey());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("nanos")
    void adamWStepsReduceTheLossOnAFixedBatch(String name) {
        Backbone model = Backbones.create(name, 10, 28, 1, 11L);
        Var x = images(5, 8, 1, 28);
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7};
        AdamW opt = new AdamW(ParamGroups.noDecayFor(model, 0.05), 3e-3);
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 8; step++) {
            opt.zeroGrad();
            Var loss = Losses.crossEntropy(model.forward(x), labels, 0.0);
            double v = loss.value().item();
            if (step == 0) first = v;
            last = v;
            loss.backward();
            opt.step();
        }
        assertTrue(last < first - 0.1, name + ": loss went from " + first + " to " + last);
    }

    /** Any resolution: the full image sizes of the brief, forward + backward with batch 1. */
    @Test
    void nanoPresetsRunForwardAndBackwardAt224And256() {
        for (String name : nanos()) {
            Backbone model = Backbones.create(name, 10, 28, 3, 3L);
            for (int side : new int[] {224, 256}) {
                model.zeroGrad();
                Var loss = model.forward(images(side, 1, 3, side)).sum();
                loss.backward();
                Parameter any = model.parameters().get(0);
                assertNotNull(any.grad(), name + " at " + side);
                assertEquals(1, loss.value().numel());
            }
        }
    }
}
