package dev.jmamba.vision;

/**
 * A model family's hyper-parameters (one record per family) that can build the model and count
 * its cost without building it.
 */
public interface BackboneConfig {
    /** Registry name, e.g. {@code vim-tiny}. */
    String name();

    /** The same model with stochastic-depth (drop-path) rate {@code rate}, spread over the blocks as the family does. */
    BackboneConfig withDropPath(double rate);

    /** Builds a freshly initialised model. */
    Backbone build(ModelSpec spec);

    /** Parameters and FLOPs per part, analytically (must agree with {@link Backbone#numParameters()}). */
    CostReport cost(ModelSpec spec);

    /**
     * The input side must be a multiple of this: a patch embedding with stride p silently drops the
     * last {@code side % p} rows and columns, which a caller should refuse rather than train on. 1 for
     * families whose stem pads instead.
     */
    default int inputMultiple() {
        return 1;
    }
}
