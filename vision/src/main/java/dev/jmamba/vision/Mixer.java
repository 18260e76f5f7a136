package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Module;

/**
 * The token mixer of one layer of an {@link IsotropicNet}: the module (registered as
 * {@code layers.i.mixer}, so its parameter names are the official ones), how to call it on a
 * (B, L, D) sequence with its {@link TokenLayout} (2-D mixers need the grid), and its share of the
 * model-level re-initialisation (Vim's {@code _init_weights(n_layer)}).
 *
 * @param module  the mixer's parameters
 * @param forward (x (B, L, D), layout) → (B, L, D)
 * @param init    (nLayer, seed) → re-initialises out_proj / biases as the family does
 */
public record Mixer(Module module, Forward forward, ModelInit init) {
    /** Calls the mixer. */
    @FunctionalInterface
    public interface Forward {
        /** @param x (B, L, D) normalised tokens; returns (B, L, D) */
        Var apply(Var x, TokenLayout layout);
    }

    /** The mixer's part of the model-level initialisation. */
    @FunctionalInterface
    public interface ModelInit {
        void apply(int nLayer, long seed);
    }

    /** Builds the mixer of layer {@code index}. */
    @FunctionalInterface
    public interface Factory {
        Mixer create(int index, long seed);
    }

    /** A 1-D mixer that ignores the layout. */
    public static Mixer sequential(Layer layer, ModelInit init) {
        return new Mixer(layer, (x, layout) -> layer.forward(x), init);
    }
}
