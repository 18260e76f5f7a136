package dev.jmamba.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.ActivationCheckpointing;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.RandomLayer;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.fractalmamba.FractalMambaConfig;
import dev.jmamba.vision.globalmamba.GlobalMambaConfig;
import dev.jmamba.vision.localmamba.LocalVimConfig;
import dev.jmamba.vision.mixer.MultiScanMixer;
import dev.jmamba.vision.vim.VimConfig;
import dev.jmamba.vision.vmamba.VMambaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --checkpoint-activations} on each backbone family: the same loss and bit-identical
 * gradients as the plain graph (the CPU kernels are deterministic), with drop-path on so the
 * recomputation must replay its masks.
 */
class ActivationCheckpointingBackboneTest {

    private static List<float[]> step(Backbone model, boolean checkpoint, Tensor images, boolean bf16) {
        try (Autocast.Scope cast = bf16 ? Autocast.bf16() : Autocast.disabled()) {
            return step(model, checkpoint, images);
        }
    }

    private static List<float[]> step(Backbone model, boolean checkpoint, Tensor images) {
        int layers = ActivationCheckpointing.enable(model, checkpoint);
        assertTrue(layers > 0, "the backbone has layers to checkpoint");
        model.train(true);
        model.zeroGrad();
        RandomLayer.seekAll(model, 3);
        List<float[]> grads = new ArrayList<>();
        try (Scope step = Scope.open()) {
            Var loss = Losses.crossEntropy(model.forward(Var.of(images)), new int[] {1, 4}, 0.0);
            grads.add(new float[] {(float) loss.value().item()});
            loss.backward();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) grads.add(e.getValue().grad().toFloatArray());
        }
        return grads;
    }

    /** The nano presets with drop-path 0.3 instead of 0. */
    private static List<BackboneConfig> nanosWithDropPath() {
        return List.of(
                new VimConfig("vim-nano", 4, 48, 4, 8, 2, 4, 0.3),
                new VMambaConfig("vmamba-nano", new int[] {32, 64, 128}, new int[] {1, 2, 1}, 1, 1.0, 3, 2.0, 0.3),
                new FractalMambaConfig("fractalmamba-nano", 32, new int[] {1, 2, 1}, 1, 2.0, 2.0, 1.5, 0.3,
                        FractalMambaConfig.nano().pathways(), MultiScanMixer.Extras.GROOTV),
                new LocalVimConfig("localmamba-nano", 4, 32, 4, 8, 2, 4, 0.3, LocalVimConfig.nano().directions(), true),
                new GlobalMambaConfig("globalmamba-nano", 4, 48, 4, 8, 2, 4, 0.3, false));
    }

    @Test
    void everyFamilyGivesTheSameGradientsCheckpointed() {
        for (BackboneConfig config : nanosWithDropPath()) {
            String name = config.name();
            Backbone model = config.build(new ModelSpec(10, 28, 1, 5L));
            Tensor images = Tensor.randn(9, 2, 1, 28, 28);
            List<float[]> plain = step(model, false, images), checkpointed = step(model, true, images);
            for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), checkpointed.get(i), name + ": tensor " + i);
        }
    }

    /**
     * Under bf16 autocast too: SS2D keeps bf16 activations only when a backward follows, and the first forward of a
     * checkpointed block (run without recording) must take the same path as its recomputation (Autograd.backwardFollows).
     */
    @Test
    void theBf16PathGivesTheSameGradientsCheckpointed() {
        for (BackboneConfig config : nanosWithDropPath().subList(1, 3)) {   // vmamba-nano, fractalmamba-nano: the SS2D family
            Backbone model = config.build(new ModelSpec(10, 28, 1, 5L));
            Tensor images = Tensor.randn(9, 2, 1, 28, 28);
            List<float[]> plain = step(model, false, images, true), checkpointed = step(model, true, images, true);
            for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), checkpointed.get(i), config.name() + " bf16: tensor " + i);
        }
    }
}
