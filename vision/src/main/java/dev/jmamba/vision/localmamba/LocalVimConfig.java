package dev.jmamba.vision.localmamba;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.CostReport;
import dev.jmamba.vision.IsotropicCost;
import dev.jmamba.vision.IsotropicNet;
import dev.jmamba.vision.Mixer;
import dev.jmamba.vision.ModelSpec;
import dev.jmamba.vision.Tokenizer;

import java.util.List;

/**
 * LocalVim (spec localmamba.md §2–4): Vim's isotropic stack without class token (mean pooling),
 * with a {@link LocalMixer} per layer scanning the layer's searched directions.
 *
 * <p>As released, LocalVim-T also uses the 2-D rotary position embedding ({@code if_rope=True,
 * if_rope_residual=True}, {@link dev.jmamba.vision.Rope2d}): no parameters, so it does not change
 * the parameter count (its cos/sin tables are official state-dict buffers {@code rope.freqs_cos/sin};
 * we recompute them and do not store them).
 *
 * @param directions one list of direction names per layer (size = depth)
 * @param rope       whether the rotary embedding is on (on in both presets)
 */
public record LocalVimConfig(String name, int patch, int dim, int depth, int dState, int expand, int dConv,
                             double dropPath, List<List<String>> directions, boolean rope) implements BackboneConfig {

    /** LocalMamba's eight candidate directions, in its canonical order. */
    public static final List<String> CANDIDATES = List.of("h", "h_flip", "v", "v_flip", "w2", "w2_flip", "w7", "w7_flip");

    /** The searched per-layer directions of LocalVim-T (spec localmamba.md §3, layer 0 first). */
    public static final List<List<String>> SEARCHED_TINY = List.of(
            List.of("h", "v_flip", "w7", "w7_flip"), List.of("h_flip", "w2_flip", "w7", "w7_flip"),
            List.of("h", "h_flip", "v", "w7"), List.of("h", "h_flip", "v", "v_flip"),
            List.of("h", "h_flip", "v", "v_flip"), List.of("h", "h_flip", "v", "v_flip"),
            List.of("h_flip", "v", "v_flip", "w7"), List.of("h_flip", "v", "v_flip", "w2_flip"),
            List.of("h", "h_flip", "v", "v_flip"), List.of("h", "h_flip", "v", "v_flip"),
            List.of("h", "v", "v_flip", "w2"), List.of("h", "v", "v_flip", "w2_flip"),
            List.of("h", "h_flip", "v_flip", "w7"), List.of("h_flip", "v", "v_flip", "w2"),
            List.of("h", "h_flip", "v", "v_flip"), List.of("h", "v", "w2", "w2_flip"),
            List.of("v", "v_flip", "w2", "w7"), List.of("h", "h_flip", "v", "w2"),
            List.of("h", "h_flip", "w2_flip", "w7"), List.of("v", "v_flip", "w2", "w2_flip"));

    public LocalVimConfig {
        directions = directions.stream().map(List::copyOf).toList();
        if (directions.size() != depth) {
            throw new JmambaException(name + ": need one direction list per layer (" + depth + "), got " + directions.size());
        }
    }

    /** LocalVim-T: dim 192, depth 20, the searched directions, drop path 0.1. */
    public static LocalVimConfig tiny() {
        return new LocalVimConfig("localmamba-tiny", 16, 192, 20, 16, 2, 4, 0.1, SEARCHED_TINY, true);
    }

    /** A small LocalVim for 28×28 / 32×32 inputs: the first four searched layers. */
    public static LocalVimConfig nano() {
        return new LocalVimConfig("localmamba-nano", 4, 32, 4, 8, 2, 4, 0.0, SEARCHED_TINY.subList(0, 4), true);
    }

    /** The same with the rotary embedding on or off. */
    public LocalVimConfig withRope(boolean on) {
        return new LocalVimConfig(name, patch, dim, depth, dState, expand, dConv, dropPath, directions, on);
    }

    @Override public LocalVimConfig withDropPath(double rate) { return new LocalVimConfig(name, patch, dim, depth, dState, expand, dConv, rate, directions, rope); }

    /** The patch embedding's stride: other sides would lose their last rows and columns. */
    @Override public int inputMultiple() { return patch; }

    @Override public Backbone build(ModelSpec spec) { return new LocalVim(this, spec); }

    @Override public CostReport cost(ModelSpec spec) {
        int di = expand * dim, r = Math.ceilDiv(dim, 16), reduced = (int) (di * 0.125);
        IsotropicCost.MixerCost mixer = (c, layer, length) -> {
            c.linear(length, dim, 2 * di, false);
            int k = directions.get(layer).size();
            for (int i = 0; i < k; i++) IsotropicCost.mambaDirection(c, length, di, dState, r, dConv);
            c.norm(di, 2, 0).linear(0, di, reduced, true).linear(0, reduced, di, true);   // BiAttn parameters (shared)
            for (int i = 0; i < k; i++) {
                c.normApply(length * di).pool(length * di).linearApply(1, di, reduced).linearApply(1, reduced, di);
            }
            c.linear(length, di, dim, false);
        };
        return IsotropicCost.of(name, spec, Tokenizer.patches(patch, false), dim, patch, depth, mixer);
    }

    /** The LocalVim model. */
    public static final class LocalVim extends IsotropicNet {
        LocalVim(LocalVimConfig c, ModelSpec spec) {
            super(c, spec, c.dim, c.patch, c.depth, c.dropPath, Tokenizer.patches(c.patch, false), (i, seed) -> {
                LocalMixer m = new LocalMixer(c.dim, c.dState, c.expand, c.dConv, c.directions.get(i), seed);
                return new Mixer(m, m::forward, m::applyModelInit);
            });
            if (c.rope) useRotaryEmbedding();
        }
    }
}
