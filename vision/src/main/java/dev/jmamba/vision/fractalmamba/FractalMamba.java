package dev.jmamba.vision.fractalmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.BatchNorm2d;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.ModuleList;
import dev.jmamba.nn.Seeds;
import dev.jmamba.nn.Sequential;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.DropPaths;
import dev.jmamba.vision.Mlp;
import dev.jmamba.vision.ModelSpec;
import dev.jmamba.vision.Permute;

/**
 * FractalMamba as we read it ([FractalMamba], [GrootVL] in docs/REFERENCES.md; spec fractalmamba.md §1, §3;
 * no official code exists): GrootV-T's
 * macro-architecture with the tree scan replaced by selective scans along generalised-Hilbert
 * orders of each stage grid, fused by {@link FractalBlock}'s Fractal Fusion Pathway.
 * <pre>
 *   patch_embed: conv1 (3×3 s2) → norm1 (LN) → GELU → conv2 (3×3 s2) → norm2 (LN)   channels-last out
 *   levels.i:    blocks.j (FractalBlock) → norm (LN) → downsample (conv 3×3 s2 no bias → LN), no downsample last
 *   conv_head:   1×1 conv to 1.5·C3 (no bias) → BatchNorm → GELU; global average pool; head Linear
 * </pre>
 * Names follow GrootV ({@code patch_embed.conv1}, {@code patch_embed.norm1.1}, {@code levels.0.blocks.0.*},
 * {@code levels.0.norm.0}, {@code levels.0.downsample.conv}, {@code levels.0.downsample.norm.1},
 * {@code conv_head.0}, {@code conv_head.1.0}, {@code head}).
 */
public final class FractalMamba extends Backbone {
    private final Stem patchEmbed;
    private final ModuleList<Level> levels;
    private final Sequential convHead;
    private final Linear head;

    /** GrootV's StemLayer. */
    static final class Stem extends Module {
        final Conv2d conv1, conv2;
        final Sequential norm1, norm2;

        Stem(int in, int out, long seed) {
            this.conv1 = register("conv1", new Conv2d(in, out / 2, 3, 2, 1, 1, 1, true, Seeds.derive(seed, 0)));
            this.norm1 = register("norm1", new Sequential(new Permute(0, 2, 3, 1),
                    new LayerNorm(out / 2, FractalMambaConfig.NORM_EPS, true, true), new Permute(0, 3, 1, 2)));
            this.conv2 = register("conv2", new Conv2d(out / 2, out, 3, 2, 1, 1, 1, true, Seeds.derive(seed, 1)));
            this.norm2 = register("norm2", new Sequential(new Permute(0, 2, 3, 1),
                    new LayerNorm(out, FractalMambaConfig.NORM_EPS, true, true)));
        }

        /** (B, C, H, W) → (B, H/4, W/4, out). */
        Var forward(Var x) { return norm2.forward(conv2.forward(norm1.forward(conv1.forward(x)).gelu())); }
    }

    /** GrootV's DownsampleLayer: conv on channels-first, LN channels-last. */
    static final class Downsample extends Module {
        final Conv2d conv;
        final Sequential norm;

        Downsample(int channels, long seed) {
            this.conv = register("conv", new Conv2d(channels, 2 * channels, 3, 2, 1, 1, 1, false, seed));
            this.norm = register("norm", new Sequential(new Permute(0, 2, 3, 1),
                    new LayerNorm(2 * channels, FractalMambaConfig.NORM_EPS, true, true)));
        }

        /** (B, H, W, C) → (B, H/2, W/2, 2C). */
        Var forward(Var x) { return norm.forward(conv.forward(x.permute(0, 3, 1, 2))); }
    }

    /** One level: blocks → norm → downsample. */
    static final class Level extends Module {
        final Sequential blocks;
        final Sequential norm;
        final Downsample downsample;  // null for the last level

        Level(Sequential blocks, int channels, Downsample downsample) {
            this.blocks = register("blocks", blocks);
            this.norm = register("norm", new Sequential(new LayerNorm(channels, FractalMambaConfig.NORM_EPS, true, true)));
            this.downsample = downsample == null ? null : register("downsample", downsample);
        }
    }

    FractalMamba(FractalMambaConfig c, ModelSpec spec) {
        super(c, spec);
        long seed = spec.seed();
        int[] depths = c.depths();
        this.patchEmbed = register("patch_embed", new Stem(spec.inChannels(), c.channels(), Seeds.derive(seed, 1)));
        this.levels = register("levels", new ModuleList<>());
        int total = 0;
        for (int d : depths) total += d;
        double[] dpr = DropPaths.linear(c.dropPath(), total);
        int block = 0;
        for (int i = 0; i < depths.length; i++) {
            int ch = c.channels() << i;
            Sequential blocks = new Sequential();
            for (int j = 0; j < depths[i]; j++, block++) blocks.add(new FractalBlock(ch, c, dpr[block], Seeds.derive(seed, 1000 + block)));
            levels.add(new Level(blocks, ch, i < depths.length - 1 ? new Downsample(ch, Seeds.derive(seed, 100 + i)) : null));
        }
        int features = c.channels() << (depths.length - 1), headDim = (int) (features * c.clsScale());
        this.convHead = register("conv_head", new Sequential(
                new Conv2d(features, headDim, 1, 1, 0, 1, 1, false, Seeds.derive(seed, 2)),
                new Sequential(new BatchNorm2d(headDim)),
                new GELU()));
        this.head = register("head", new Linear(headDim, spec.numClasses(), true, Seeds.derive(seed, 3)));
        Mlp.truncInit(head, Seeds.derive(seed, 4));
    }

    @Override public Var forward(Var images) {
        checkImages(images);
        Var x = patchEmbed.forward(images);                              // (B, H/4, W/4, C0)
        for (Level level : levels) {
            x = level.norm.forward(level.blocks.forward(x));
            if (level.downsample != null) x = level.downsample.forward(x);
        }
        x = convHead.forward(x.permute(0, 3, 1, 2));                    // (B, 1.5·C3, h, w)
        return head.forward(x.mean(false, 2, 3));                        // (B, classes)
    }
}
