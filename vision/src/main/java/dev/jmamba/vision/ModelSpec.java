package dev.jmamba.vision;

import dev.jmamba.tensor.JmambaException;

/**
 * What a backbone is built for: classes, input side, input channels and the seed of every random
 * initialiser. The resolution sets the size of grid-dependent parameters (position embeddings);
 * every model also runs at other resolutions (see {@link Backbone#forward}).
 */
public record ModelSpec(int numClasses, int resolution, int inChannels, long seed) {
    public ModelSpec {
        if (numClasses < 1) throw new JmambaException("numClasses must be >= 1, got " + numClasses);
        if (resolution < 1) throw new JmambaException("resolution must be >= 1, got " + resolution);
        if (inChannels < 1) throw new JmambaException("inChannels must be >= 1, got " + inChannels);
    }
}
