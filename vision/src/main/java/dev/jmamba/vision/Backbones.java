package dev.jmamba.vision;

import dev.jmamba.nn.LoadResult;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.fractalmamba.FractalMambaConfig;
import dev.jmamba.vision.globalmamba.GlobalMambaConfig;
import dev.jmamba.vision.localmamba.LocalVimConfig;
import dev.jmamba.vision.vim.VimConfig;
import dev.jmamba.vision.vmamba.VMambaConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of backbones by name. Every family has a {@code -tiny} preset as published and a
 * {@code -nano} preset small enough to train on 28×28 / 32×32 images on a CPU.
 *
 * <pre>
 *   Backbone m = Backbones.create("vim-nano", 10, 28, 1, 42L);
 *   Var logits = m.forward(images);                     // images (B, 1, 28, 28) → (B, 10)
 * </pre>
 */
public final class Backbones {
    private Backbones() {}

    private static final Map<String, BackboneConfig> REGISTRY = new LinkedHashMap<>();

    static {
        for (BackboneConfig c : List.<BackboneConfig>of(
                VimConfig.tiny(), VimConfig.small(), VimConfig.nano(),
                VMambaConfig.tiny(), VMambaConfig.nano(),
                LocalVimConfig.tiny(), LocalVimConfig.nano(),
                GlobalMambaConfig.tiny(), GlobalMambaConfig.nano(),
                FractalMambaConfig.tiny(), FractalMambaConfig.nano())) {
            REGISTRY.put(c.name(), c);
        }
    }

    /** All registered names in registry order. */
    public static List<String> names() { return List.copyOf(REGISTRY.keySet()); }

    /** The config registered under {@code name}. */
    public static BackboneConfig config(String name) {
        BackboneConfig c = REGISTRY.get(name);
        if (c == null) throw new JmambaException("unknown model '" + name + "'; known models: " + String.join(", ", names()));
        return c;
    }

    /**
     * Builds model {@code name} for {@code numClasses} classes, square inputs of side
     * {@code resolution} (it also runs at other sizes) with {@code inChannels} channels, every
     * initialiser seeded from {@code seed}.
     */
    public static Backbone create(String name, int numClasses, int resolution, int inChannels, long seed) {
        return config(name).build(new ModelSpec(numClasses, resolution, inChannels, seed));
    }

    /** Parameters and FLOPs of model {@code name} at one resolution, without building it. */
    public static CostReport cost(String name, int numClasses, int resolution, int inChannels) {
        return config(name).cost(new ModelSpec(numClasses, resolution, inChannels, 0L));
    }

    /**
     * A state dict saved at another resolution, made to fit {@code model}: grid-dependent tensors
     * (position embeddings) are resampled bicubically to the model's grid; all other entries are
     * passed through unchanged.
     */
    public static Map<String, Tensor> adaptStateDict(Backbone model, Map<String, Tensor> state) {
        return model.adaptStateDict(state);
    }

    /** {@link #adaptStateDict} followed by a strict load. */
    public static LoadResult load(Backbone model, Map<String, Tensor> state) {
        return model.loadStateDict(adaptStateDict(model, state), true);
    }
}
