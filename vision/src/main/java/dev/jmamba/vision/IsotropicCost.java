package dev.jmamba.vision;

/**
 * Analytic parameters and FLOPs of an {@link IsotropicNet} and of the Mamba mixers it uses, by the
 * rules of {@link CostCounter}. Rows: patch embedding, class token + position embedding, the
 * layers in four groups, final norm + head.
 */
public final class IsotropicCost {
    private IsotropicCost() {}

    /** Cost of one layer's mixer on a sequence of {@code length} tokens. */
    @FunctionalInterface
    public interface MixerCost {
        void add(CostCounter c, int layer, long length);
    }

    /**
     * One scan direction of a Mamba block (mamba_simple's conv1d / x_proj / dt_proj / A_log / D,
     * z-gated scan with D skip) over {@code length} tokens with d_inner = {@code di}.
     */
    public static void mambaDirection(CostCounter c, long length, int di, int dState, int dtRank, int dConv) {
        c.conv1dDepthwise(di, dConv, true, length)
         .linear(length, di, dtRank + 2 * dState, false)
         .linear(length, dtRank, di, true)
         .params((long) di * dState + di)
         .scan(di, length, dState, true, true);
    }

    /** A Mamba mixer with shared in_proj / out_proj and {@code directions} scan branches (Vim v2: 2, Mamba: 1). */
    public static MixerCost mamba(int dim, int expand, int dState, int dConv, int directions) {
        int di = expand * dim, r = Math.ceilDiv(dim, 16);
        return (c, layer, length) -> {
            c.linear(length, dim, 2 * di, false);
            for (int k = 0; k < directions; k++) mambaDirection(c, length, di, dState, r, dConv);
            c.linear(length, di, dim, false);
        };
    }

    /** The whole network. */
    public static CostReport of(String name, ModelSpec spec, Tokenizer tokenizer, int dim, int patch, int depth,
                                MixerCost mixer) {
        int res = spec.resolution();
        TokenLayout layout = tokenizer.layout(res, res);
        int g = res / patch;
        long length = layout.length();
        CostCounter c = new CostCounter();
        c.part("patch_embed").conv2d(spec.inChannels(), dim, patch, 1, true, g, g)
                .flops((long) (tokenizer.convolutions() - 1) * g * g * dim * spec.inChannels() * patch * patch)
                .flops(tokenizer.extraFlops(res, res, spec.inChannels(), dim, patch));
        c.part("cls_token + pos_embed").params((layout.hasCls() ? dim : 0) + length * dim);
        int groups = Math.min(4, depth);
        for (int gi = 0; gi < groups; gi++) {
            int from = gi * depth / groups, to = (gi + 1) * depth / groups;
            c.part("layers " + from + "-" + (to - 1));
            for (int i = from; i < to; i++) {
                c.norm(dim, 1, length * dim);
                mixer.add(c, i, length);
            }
        }
        c.part("norm_f + head").norm(dim, 1, length * dim);
        if (!layout.hasCls()) c.pool(length * dim);
        c.linear(1, dim, spec.numClasses(), true);
        return c.report(name, res);
    }
}
