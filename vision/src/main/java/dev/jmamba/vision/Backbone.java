package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Map;

/**
 * An image classifier: images (B, C, H, W) → logits (B, numClasses). Every backbone accepts any
 * H×W for which its downsampling leaves at least one token: scan orders are regenerated for each
 * token grid, and position embeddings are resampled (bicubic) when the grid differs from the
 * one they were built for.
 */
public abstract class Backbone extends Module {
    private final BackboneConfig config;
    private final ModelSpec spec;

    protected Backbone(BackboneConfig config, ModelSpec spec) {
        this.config = config;
        this.spec = spec;
    }

    /** Logits (B, numClasses) for images (B, C, H, W). */
    public abstract Var forward(Var images);

    public BackboneConfig config() { return config; }

    public ModelSpec spec() { return spec; }

    /** The registry name of this model. */
    public String name() { return config.name(); }

    /**
     * Rewrites grid-dependent entries of a state dict saved at another resolution so that it
     * fits this model (e.g. resamples {@code pos_embed}); other entries are returned unchanged.
     * The default has nothing grid-dependent.
     *
     * @param state a state dict of a model of the same config
     * @return a new map (the input is not modified)
     */
    public Map<String, Tensor> adaptStateDict(Map<String, Tensor> state) {
        return new java.util.LinkedHashMap<>(state);
    }

    /** Checks that images are (B, inChannels, H, W) and returns H, W. */
    protected int[] checkImages(Var images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != spec.inChannels()) {
            throw new JmambaException(name() + ": expected images (B, " + spec.inChannels()
                    + ", H, W), got " + java.util.Arrays.toString(s));
        }
        return new int[] {s[2], s[3]};
    }
}
