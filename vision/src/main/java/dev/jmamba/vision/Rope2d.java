package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.tokenops.RotaryPairs;

/**
 * The 2-D rotary position embedding of Vim / LocalMamba ({@code VisionRotaryEmbeddingFast} from
 * EVA-02, as {@code VisionMamba} builds it with {@code dim = D/2}, {@code pt_seq_len = 14},
 * {@code ft_seq_len = resolution / patch}, theta 10000, "lang" frequencies). No parameters.
 *
 * <p>For a token at row i, column j of an s×s grid, with t(k) = k / s · 14 and the D/4 frequencies
 * f_m = 10000^(−2m / (D/2)), channel pair (2q, 2q+1) is rotated by the angle
 * <pre>
 *   q <  D/4:  t(i) · f_q              (first half of the channels: the row)
 *   q >= D/4:  t(j) · f_(q − D/4)      (second half: the column)
 *   out[2q] = x[2q]·cos − x[2q+1]·sin,   out[2q+1] = x[2q+1]·cos + x[2q]·sin
 * </pre>
 * The cos/sin tables (s², D) are built for the grid the model was built for; for another grid
 * they are resized bicubically (align_corners = false), exactly as the official forward resizes
 * {@code rope.freqs_cos/sin} together with {@code pos_embed} — not recomputed.
 */
public final class Rope2d {
    /** {@code pt_hw_seq_len}, the grid side the angles are scaled to (VisionMamba's default). */
    public static final int PRETRAIN_SIDE = 14;
    private static final double THETA = 10000;

    private final int dim;
    private final TokenLayout builtLayout;
    private final Tensor cos, sin;   // (1, s², D) each, float64

    /**
     * @param dim   D, the token width (a multiple of 4)
     * @param built the one-grid layout without class token the tables are built for (square grid)
     */
    public Rope2d(int dim, TokenLayout built) {
        if (dim < 4 || dim % 4 != 0) throw new JmambaException("RoPE: the token width must be a multiple of 4, got " + dim);
        if (built.hasCls() || built.grids().size() != 1 || built.grid().h() != built.grid().w()) {
            throw new JmambaException("RoPE: expected one square token grid without class token, got " + built);
        }
        this.dim = dim;
        this.builtLayout = built;
        int s = built.grid().h(), quarter = dim / 4;
        double[] c = new double[s * s * dim], sn = new double[s * s * dim];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                for (int ch = 0; ch < dim; ch++) {
                    int q = ch / 2;
                    double pos = q < quarter ? (double) i / s * PRETRAIN_SIDE : (double) j / s * PRETRAIN_SIDE;
                    double angle = pos * Math.pow(THETA, -2.0 * (q % quarter) / (dim / 2.0));
                    c[(i * s + j) * dim + ch] = Math.cos(angle);
                    sn[(i * s + j) * dim + ch] = Math.sin(angle);
                }
            }
        }
        this.cos = Tensor.of(c, 1, s * s, dim);
        this.sin = Tensor.of(sn, 1, s * s, dim);
    }

    /** The cos and sin tables, (1, L, D) each, for one input layout, in {@code dtype}. */
    public record Tables(Var cos, Var sin) {}

    /** Tables for {@code layout} (resized from the built grid when it differs), in the dtype and on the device of {@code like}. */
    public Tables tables(TokenLayout layout, Var like) {
        if (layout.hasCls() || layout.grids().size() != 1) {
            throw new JmambaException("RoPE: expected one token grid without class token, got " + layout);
        }
        Tensor c = PosEmbeds.resample(cos, builtLayout, layout), s = PosEmbeds.resample(sin, builtLayout, layout);
        return new Tables(Var.of(c.to(like.dtype()).to(like.device())), Var.of(s.to(like.dtype()).to(like.device())));
    }

    /**
     * x · cos + rotate_half(x) · sin, one fused node ({@link RotaryPairs}; Rope2dTest checks it against the
     * composition {@code x.mul(cos).add(cat(−x_odd, x_even).mul(sin))} and plain loops).
     *
     * @param x (B, L, D) tokens
     * @return (B, L, D)
     */
    public Var apply(Var x, Tables t) {
        int l = x.size(1);
        if (x.rank() != 3 || x.size(2) != dim || t.cos().size(1) != l) {
            throw new JmambaException("RoPE: expected tokens (B, " + t.cos().size(1) + ", " + dim + "), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return RotaryPairs.apply(x, t.cos(), t.sin());
    }
}
