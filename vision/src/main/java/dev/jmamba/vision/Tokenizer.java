package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

/**
 * Turns images into the patch-token sequence of an {@link IsotropicNet} (without the class token,
 * which the net inserts at {@link TokenLayout#clsIndex()}).
 */
public interface Tokenizer {
    /** The layout for an H×W image. */
    TokenLayout layout(int h, int w);

    /**
     * @param images (B, C, H, W)
     * @return (B, layout.patchTokens(), D) patch tokens in layout order
     */
    Var embed(Var images, PatchEmbed patchEmbed);

    /** FLOPs of the tokeniser itself beyond one patch-embed convolution (0 for plain patching). */
    default long extraFlops(int h, int w, int inChannels, int dim, int patch) { return 0; }

    /** Number of patch-embed convolutions run per image (1 for plain patching). */
    default int convolutions() { return 1; }

    /**
     * The square-image layout whose sequence length is {@code length}, searching sides 1..16384
     * (used to find the grid a saved pos_embed was built for; square images assumed).
     */
    default TokenLayout inferSquareLayout(int length) {
        for (int side = 1; side <= 16384; side++) {
            TokenLayout l;
            try {
                l = layout(side, side);
            } catch (IllegalArgumentException tooSmall) {
                continue;
            }
            if (l.length() == length) return l;
            if (l.length() > length && l.grids().size() == 1 && l.grid().h() > 1 && l.length() > 4 * length) break;
        }
        throw new JmambaException("pos_embed with " + length + " tokens matches no square image size for this model");
    }

    /** Vim-style patching: one grid of (H/p)×(W/p) tokens, class token in the middle or none. */
    static Tokenizer patches(int patch, boolean middleCls) {
        return new Tokenizer() {
            @Override public TokenLayout layout(int h, int w) {
                if (h < patch || w < patch) {
                    throw new JmambaException("image " + h + "x" + w + " is smaller than the patch size " + patch);
                }
                return middleCls ? TokenLayout.middleCls(h / patch, w / patch) : TokenLayout.plain(h / patch, w / patch);
            }

            @Override public Var embed(Var images, PatchEmbed patchEmbed) {
                Var map = patchEmbed.forward(images);                                 // (B, D, h, w)
                int b = map.size(0), d = map.size(1), l = map.size(2) * map.size(3);
                return map.reshape(b, d, l).transpose(1, 2);                          // (B, h*w, D) row-major
            }
        };
    }
}
