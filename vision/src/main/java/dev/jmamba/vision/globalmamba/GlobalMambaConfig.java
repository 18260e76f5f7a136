package dev.jmamba.vision.globalmamba;

import dev.jmamba.ssm.block.MambaBlock;
import dev.jmamba.ssm.block.MambaConfig;
import dev.jmamba.ssm.block.VimMixer;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.CostReport;
import dev.jmamba.vision.IsotropicCost;
import dev.jmamba.vision.IsotropicNet;
import dev.jmamba.vision.Mixer;
import dev.jmamba.vision.ModelSpec;

/**
 * GlobalMamba on Vim (spec globalmamba.md): Vim with the DCT low-pass band tokenisation
 * ({@link BandTokenizer}) and, as in the released code, a unidirectional (causal) Mamba mixer per
 * layer ({@code bidirectional = false}: ssm's MambaBlock; {@code true}: Vim's bimamba v2).
 *
 * <p>pos_embed is sized to the real token count (256 at 224 including the class token), not the
 * 257 the released code hard-codes (which could not broadcast; spec §2.3).
 */
public record GlobalMambaConfig(String name, int patch, int dim, int depth, int dState, int expand, int dConv,
                                double dropPath, boolean bidirectional) implements BackboneConfig {

    /** GlobalMamba-M (Vim-T based): dim 192, depth 24, unidirectional mixer. */
    public static GlobalMambaConfig tiny() {
        return new GlobalMambaConfig("globalmamba-tiny", 16, 192, 24, 16, 2, 4, 0.0, false);
    }

    /** A small GlobalMamba for 28×28 / 32×32 inputs. */
    public static GlobalMambaConfig nano() {
        return new GlobalMambaConfig("globalmamba-nano", 4, 48, 4, 8, 2, 4, 0.0, false);
    }

    /** The same with the bidirectional (Vim bimamba v2) mixer. */
    public GlobalMambaConfig withBidirectional(boolean on) {
        return new GlobalMambaConfig(name, patch, dim, depth, dState, expand, dConv, dropPath, on);
    }

    @Override public GlobalMambaConfig withDropPath(double rate) { return new GlobalMambaConfig(name, patch, dim, depth, dState, expand, dConv, rate, bidirectional); }

    /** The patch embedding's stride: other sides would lose their last rows and columns. */
    @Override public int inputMultiple() { return patch; }

    @Override public Backbone build(ModelSpec spec) { return new GlobalMamba(this, spec); }

    @Override public CostReport cost(ModelSpec spec) {
        return IsotropicCost.of(name, spec, new BandTokenizer(patch), dim, patch, depth,
                IsotropicCost.mamba(dim, expand, dState, dConv, bidirectional ? 2 : 1));
    }

    /** The GlobalMamba model. */
    public static final class GlobalMamba extends IsotropicNet {
        GlobalMamba(GlobalMambaConfig c, ModelSpec spec) {
            super(c, spec, c.dim, c.patch, c.depth, c.dropPath, new BandTokenizer(c.patch), (i, seed) -> {
                MambaConfig mc = new MambaConfig(c.dim, c.dState, c.dConv, c.expand, MambaConfig.autoDtRank(c.dim),
                        0.001, 0.1, 1e-4, 1.0, true, false, seed);
                if (c.bidirectional) {
                    VimMixer m = new VimMixer(mc);
                    return Mixer.sequential(m, m::applyModelInit);
                }
                MambaBlock m = new MambaBlock(mc);
                return Mixer.sequential(m, m::applyModelInit);
            });
        }
    }
}
