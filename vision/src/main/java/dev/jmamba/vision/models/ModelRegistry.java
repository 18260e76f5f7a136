package dev.jmamba.vision.models;


import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.Backbones;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image classifiers {@code jmamba train --model NAME} can build. Each maps an input (B, C, H, W)
 * to logits (B, K). Built-ins: {@code small-cnn} (a fast CNN for 28×28 / 32×32 data; {@code jmamba train}'s default is vmamba-nano),
 * {@code small-cnn-wide} and {@code tiny-cnn} (for tests and smoke runs); then every backbone of the
 * vision registry ({@link Backbones}: Vim, VMamba, LocalVim, GlobalMamba, FractalMamba, each as
 * {@code -tiny} and {@code -nano}). A positive drop-path rate replaces a vision preset's own rate; 0 keeps it.
 */
public final class ModelRegistry {
    private ModelRegistry() {}

    /**
     * Which model to build and how: its registry name, K classes, C input channels, the input side R, drop-path rate and
     * init seed (the backbone families then get a {@link dev.jmamba.vision.ModelSpec} of the last four).
     */
    public record ModelChoice(String name, int numClasses, int inChannels, int resolution, double dropPath, long seed) {}

    private interface Builder {
        Classifier build(ModelChoice spec);
    }

    private static final Map<String, Builder> BUILDERS = new LinkedHashMap<>();

    static {
        BUILDERS.put("small-cnn", s -> cnn(s, 16));
        BUILDERS.put("small-cnn-wide", s -> cnn(s, 32));
        BUILDERS.put("tiny-cnn", s -> cnn(s, 4));
        for (String name : Backbones.names()) {
            BUILDERS.put(name, s -> {
                BackboneConfig config = Backbones.config(s.name());
                if (s.dropPath() > 0) config = config.withDropPath(s.dropPath());            // else the preset's rate
                Backbone b = config.build(new dev.jmamba.vision.ModelSpec(s.numClasses(), s.resolution(), s.inChannels(), s.seed()));
                return new Classifier(b, b::forward);
            });
        }
    }

    private static Classifier cnn(ModelChoice s, int width) {
        SmallConvNet net = new SmallConvNet(s.inChannels(), s.resolution(), width, s.numClasses(), s.seed());
        return new Classifier(net, net::forward);
    }

    /** Every model name, in a stable order. */
    public static List<String> names() { return List.copyOf(BUILDERS.keySet()); }

    /** True when {@code name} is a known model. */
    public static boolean contains(String name) { return BUILDERS.containsKey(name); }

    /**
     * Builds the model of {@code spec}. Throws {@link IllegalArgumentException} for an unknown name
     * (listing the known ones) or a setting the model does not support.
     */
    public static Classifier create(ModelChoice spec) {
        Builder b = BUILDERS.get(spec.name());
        if (b == null) throw new JmambaException("unknown model '" + spec.name() + "'; known models: " + String.join(", ", names()));
        if (spec.dropPath() > 0 && spec.name().contains("cnn")) {
            throw new JmambaException("model " + spec.name() + " has no drop-path layers; leave --drop-path at 0");
        }
        if (!(spec.dropPath() >= 0 && spec.dropPath() < 1)) {
            throw new JmambaException("drop-path rate must be in [0, 1), got " + spec.dropPath());
        }
        checkResolution(spec.name(), spec.resolution());
        return b.build(spec);
    }

    /** Largest input side accepted (a 8192 x 8192 input already needs gigabytes per image in the first layer). */
    public static final int MAX_RESOLUTION = 8192;

    /**
     * Throws {@link IllegalArgumentException} when model {@code name} cannot take square inputs of side
     * {@code resolution}: outside [1, {@link #MAX_RESOLUTION}], or not a multiple of what its first layer
     * divides by (4 for the CNNs, the patch size for the isotropic models, which would otherwise drop pixels).
     */
    public static void checkResolution(String name, int resolution) {
        if (resolution < 1 || resolution > MAX_RESOLUTION) {
            throw new JmambaException("--resolution must be between 1 and " + MAX_RESOLUTION + ", got " + resolution);
        }
        int multiple = name.contains("cnn") ? 4 : Backbones.names().contains(name) ? Backbones.config(name).inputMultiple() : 1;
        if (resolution % multiple != 0) {
            throw new JmambaException("model " + name + " needs a resolution divisible by " + multiple
                    + (name.contains("cnn") ? "" : " (its patch size; the remaining pixels would be dropped)") + ", got " + resolution);
        }
    }
}
