package dev.jmamba.nn;

import dev.jmamba.autograd.Activations;
import dev.jmamba.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied in order; children are named "0", "1", ... as in PyTorch's {@code nn.Sequential}.
 * Each layer runs in its own {@link Activations#region}: its temporaries that backward does not
 * read are freed as soon as the layer returns. With {@link #checkpointActivations} on (in training),
 * each layer keeps only its input and is recomputed in backward ({@link ActivationCheckpointing}).
 */
public final class Sequential extends Layer implements ActivationCheckpointing {
    private final List<Layer> layers = new ArrayList<>();
    private boolean checkpoint;

    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Appends a layer (registered under the next index) and returns this. */
    public Sequential add(Layer layer) {
        register(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    public Layer get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    @Override public void checkpointActivations(boolean on) { checkpoint = on; }

    @Override public Var forward(Var x) {
        for (Layer l : layers) {
            Var in = x;
            x = checkpoint && isTraining()
                    ? Activations.region(() -> ActivationCheckpointing.checkpointed(l, l::forward, in))
                    : Activations.region(() -> l.forward(in));
        }
        return x;
    }
}
