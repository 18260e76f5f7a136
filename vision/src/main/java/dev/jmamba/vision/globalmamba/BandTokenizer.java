package dev.jmamba.vision.globalmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.PatchEmbed;
import dev.jmamba.vision.TokenLayout;
import dev.jmamba.vision.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * GlobalMamba's frequency-ordered tokenisation ([GlobalMamba], docs/REFERENCES.md; spec globalmamba.md §2.2): the four
 * {@link DctBands} images go through ONE shared patch-embedding convolution, band i's map is
 * resized (bilinear, align_corners = false) to r_i × r_i with r_i = (N / 2^(3−i)) / p (1, 3, 7, 14
 * at N = 224, p = 16), flattened row-major, and the groups are concatenated low → high frequency
 * (1 + 9 + 49 + 196 = 255 tokens), class token in the middle (index 127).
 *
 * <p>r_i is clamped to at least 1 so that small inputs (28×28 with p = 4) still give a token per band;
 * this does not change any size at 224.
 */
final class BandTokenizer implements Tokenizer {
    private final int patch;

    BandTokenizer(int patch) { this.patch = patch; }

    /** Side of band i's token grid for an N×N image. */
    int bandSide(int n, int band) { return Math.max(1, (n >> (3 - band)) / patch); }

    @Override public TokenLayout layout(int h, int w) {
        if (h != w) throw new JmambaException("GlobalMamba needs square images, got " + h + "x" + w);
        if (h < Math.max(patch, 4)) throw new JmambaException("image side " + h + " is smaller than the patch size " + patch);
        List<TokenLayout.Grid> grids = new ArrayList<>();
        for (int i = 0; i < DctBands.BANDS; i++) grids.add(new TokenLayout.Grid(bandSide(h, i), bandSide(h, i)));
        int m = grids.stream().mapToInt(TokenLayout.Grid::size).sum();
        return new TokenLayout(grids, m / 2);
    }

    @Override public Var embed(Var images, PatchEmbed patchEmbed) {
        int b = images.size(0), n = images.size(2);
        List<Var> bands = DctBands.bands(images);
        Var maps = patchEmbed.forward(Var.cat(0, bands.toArray(Var[]::new)));    // (4B, D, g, g), one conv call
        int d = maps.size(1), g = maps.size(2);
        Var[] tokens = new Var[DctBands.BANDS];
        for (int i = 0; i < DctBands.BANDS; i++) {
            Var f = maps.narrow(0, i * b, b);                                      // (B, D, g, g)
            int r = bandSide(n, i);
            if (r != g || maps.size(3) != r) f = f.interpolate(r, r, InterpolateMode.BILINEAR, false);
            tokens[i] = f.reshape(b, d, r * r).transpose(1, 2);                    // (B, r², D)
        }
        return Var.cat(1, tokens);                                                 // (B, Σ r², D)
    }

    @Override public long extraFlops(int h, int w, int inChannels, int dim, int patch) {
        return DctBands.flops(inChannels, h);
    }

    @Override public int convolutions() { return DctBands.BANDS; }
}
