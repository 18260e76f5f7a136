package dev.jmamba.vision.vmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.Identity;
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
 * The VMamba network (VSSM, spec vmamba.md §3). The official s1l8 model runs channels-first with
 * LayerNorm2d; we run the stages channels-last (B, H, W, C) with a LayerNorm over the last dim —
 * the same function with the same parameter names and shapes — and use {@link Permute} layers
 * where the official channels-last code has them, so Sequential indices match:
 * {@code patch_embed.0} conv, {@code patch_embed.2} norm, {@code patch_embed.5} conv,
 * {@code patch_embed.7} norm; {@code layers.i.blocks.j.*}; {@code layers.i.downsample.1} conv,
 * {@code layers.i.downsample.3} norm; {@code classifier.norm}, {@code classifier.head}.
 * Any input size works: SS2D regenerates its four cross-scan orders for each stage grid.
 */
public final class VMamba extends Backbone {
    private final Sequential patchEmbed;
    private final ModuleList<Stage> layers;
    private final Classifier classifier;

    /** One stage: {@code blocks} then {@code downsample} (Identity after the last stage). */
    static final class Stage extends Module {
        final Sequential blocks;
        final Sequential downsample;   // null for the last stage

        Stage(Sequential blocks, Sequential downsample) {
            this.blocks = register("blocks", blocks);
            this.downsample = downsample;
            register("downsample", downsample != null ? downsample : new Identity());
        }
    }

    /** norm → global average pool → head. */
    static final class Classifier extends Module {
        final LayerNorm norm;
        final Linear head;

        Classifier(int dim, int classes, long seed) {
            this.norm = register("norm", new LayerNorm(dim, VMambaConfig.NORM_EPS, true, true));
            this.head = register("head", new Linear(dim, classes, true, Seeds.derive(seed, 0)));
            Mlp.truncInit(head, Seeds.derive(seed, 1));
        }
    }

    VMamba(VMambaConfig c, ModelSpec spec) {
        super(c, spec);
        long seed = spec.seed();
        int[] dims = c.dims(), depths = c.depths();
        int c0 = dims[0];
        this.patchEmbed = register("patch_embed", new Sequential(
                new Conv2d(spec.inChannels(), c0 / 2, 3, 2, 1, 1, 1, true, Seeds.derive(seed, 1)),
                new Permute(0, 2, 3, 1),
                new LayerNorm(c0 / 2, VMambaConfig.NORM_EPS, true, true),
                new Permute(0, 3, 1, 2),
                new GELU(),
                new Conv2d(c0 / 2, c0, 3, 2, 1, 1, 1, true, Seeds.derive(seed, 2)),
                new Permute(0, 2, 3, 1),
                new LayerNorm(c0, VMambaConfig.NORM_EPS, true, true)));
        this.layers = register("layers", new ModuleList<>());
        int total = 0;
        for (int d : depths) total += d;
        double[] dpr = DropPaths.linear(c.dropPath(), total);
        int block = 0;
        for (int s = 0; s < dims.length; s++) {
            Sequential blocks = new Sequential();
            for (int j = 0; j < depths[s]; j++, block++) {
                blocks.add(new VssBlock(dims[s], c, dpr[block], Seeds.derive(seed, 1000 + block)));
            }
            Sequential down = s == dims.length - 1 ? null : new Sequential(
                    new Permute(0, 3, 1, 2),
                    new Conv2d(dims[s], 2 * dims[s], 3, 2, 1, 1, 1, true, Seeds.derive(seed, 100 + s)),
                    new Permute(0, 2, 3, 1),
                    new LayerNorm(2 * dims[s], VMambaConfig.NORM_EPS, true, true));
            layers.add(new Stage(blocks, down));
        }
        this.classifier = register("classifier", new Classifier(dims[dims.length - 1], spec.numClasses(), Seeds.derive(seed, 3)));
    }

    /** Output side of a 3×3 stride-2 padding-1 convolution. */
    static int convOut(int n) { return (n + 2 - 3) / 2 + 1; }

    @Override public Var forward(Var images) {
        checkImages(images);
        Var x = patchEmbed.forward(images);                        // (B, H/4, W/4, C0)
        for (Stage s : layers) {
            x = s.blocks.forward(x);
            if (s.downsample != null) x = s.downsample.forward(x);
        }
        x = classifier.norm.forward(x).mean(false, 1, 2);          // (B, C)
        return classifier.head.forward(x);
    }
}
