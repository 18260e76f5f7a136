package dev.jmamba.vision;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Resampling of absolute position embeddings (1, T, D) between token layouts: the class-token
 * vector is kept as is and moved to the new class index; each patch grid is resized on its own
 * with bicubic interpolation (align_corners = false, no antialiasing — timm's
 * {@code resample_abs_pos_embed} without antialias). Differentiable, so a model can resample on
 * the fly in its forward when the input grid differs from the stored one.
 */
public final class PosEmbeds {
    private PosEmbeds() {}

    /**
     * @param posEmbed (1, from.length(), D)
     * @return (1, to.length(), D); {@code posEmbed} itself when the layouts are equal
     */
    public static Var resample(Var posEmbed, TokenLayout from, TokenLayout to) {
        int[] s = posEmbed.shape();
        if (s.length != 3 || s[0] != 1 || s[1] != from.length()) {
            throw new JmambaException("pos_embed: expected (1, " + from.length() + ", D) for layout " + from
                    + ", got " + java.util.Arrays.toString(s));
        }
        if (from.equals(to)) return posEmbed;
        if (from.grids().size() != to.grids().size() || from.hasCls() != to.hasCls()) {
            throw new JmambaException("pos_embed: cannot resample between layouts with different grid counts or"
                    + " class-token presence: " + from + " -> " + to);
        }
        int d = s[2];
        Var patches = posEmbed;
        Var cls = null;
        if (from.hasCls()) {
            cls = posEmbed.narrow(1, from.clsIndex(), 1);
            Var before = posEmbed.narrow(1, 0, from.clsIndex());
            Var after = posEmbed.narrow(1, from.clsIndex() + 1, from.patchTokens() - from.clsIndex());
            patches = from.clsIndex() == 0 ? after : from.clsIndex() == from.patchTokens() ? before : Var.cat(1, before, after);
        }
        List<Var> segments = new ArrayList<>();
        int offset = 0;
        for (int g = 0; g < from.grids().size(); g++) {
            TokenLayout.Grid a = from.grids().get(g), b = to.grids().get(g);
            Var seg = patches.narrow(1, offset, a.size());
            offset += a.size();
            if (a.equals(b)) {
                segments.add(seg);
                continue;
            }
            Var map = seg.reshape(1, a.h(), a.w(), d).permute(0, 3, 1, 2);                 // (1, D, h, w)
            Var resized = map.interpolate(b.h(), b.w(), InterpolateMode.BICUBIC, false);  // (1, D, h', w')
            segments.add(resized.permute(0, 2, 3, 1).reshape(1, b.size(), d));
        }
        Var out = segments.size() == 1 ? segments.get(0) : Var.cat(1, segments.toArray(Var[]::new));
        if (cls == null) return out;
        int ci = to.clsIndex();
        if (ci == 0) return Var.cat(1, cls, out);
        if (ci == to.patchTokens()) return Var.cat(1, out, cls);
        return Var.cat(1, out.narrow(1, 0, ci), cls, out.narrow(1, ci, to.patchTokens() - ci));
    }

    /** Tensor version of {@link #resample(Var, TokenLayout, TokenLayout)} (no graph recorded). */
    public static Tensor resample(Tensor posEmbed, TokenLayout from, TokenLayout to) {
        try (var g = Autograd.noGrad()) {
            return resample(Var.of(posEmbed), from, to).value().contiguous();
        }
    }
}
