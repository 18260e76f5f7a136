package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Seeds;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

/**
 * Non-overlapping patch embedding (timm/Vim {@code PatchEmbed}): Conv2d(C, D, kernel p, stride p,
 * bias) registered as {@code proj}, images (B, C, H, W) → (B, D, H/p, W/p) (floor). Initialised as
 * Vim's {@code segm_init_weights}: LeCun-normal weight, zero bias.
 */
public final class PatchEmbed extends Layer {
    private final Conv2d proj;
    private final int patch;

    public PatchEmbed(int inChannels, int dim, int patch, long seed) {
        this.patch = patch;
        this.proj = register("proj", new Conv2d(inChannels, dim, patch, patch, 0, 1, 1, true, seed));
        proj.weight().set(Init.lecunNormal(Seeds.derive(seed, 7), dim, inChannels, patch, patch));
        proj.bias().set(Tensor.zeros(dim));
    }

    public int patchSize() { return patch; }

    /** Token grid side for an image side (floor(n/p)), with a clear error when the image is too small. */
    public int gridSize(int pixels) {
        if (pixels < patch) {
            throw new JmambaException("patch embed: image side " + pixels + " is smaller than the patch size " + patch);
        }
        return pixels / patch;
    }

    /** (B, C, H, W) → (B, D, H/p, W/p). */
    @Override public Var forward(Var images) { return proj.forward(images); }
}
