package dev.jmamba.vision.fractalmamba;

import dev.jmamba.curves.ScanOrders;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.CostCounter;
import dev.jmamba.vision.CostReport;
import dev.jmamba.vision.ModelSpec;
import dev.jmamba.vision.mixer.MultiScanMixer;

import java.util.List;

/**
 * FractalMamba hyper-parameters (our reading, spec fractalmamba.md §3): GrootV-T's skeleton with
 * Fractal Fusion Pathway mixers.
 *
 * @param channels C0 (channels of level i are C0·2^i)
 * @param depths   blocks per level
 * @param dState   N
 * @param ssmRatio d_inner = ssmRatio · C
 * @param mlpRatio MLP hidden = mlpRatio · C
 * @param clsScale the 1×1 head conv widens C3 by this factor (1.5 → 960 for C3 = 640)
 * @param dropPath stochastic depth (linear over all blocks)
 * @param pathways scan-curves order names fused by every mixer (default hilbert, hilbert-t)
 * @param extras   GrootV Tree_SSM parts of the mixer: z gate and hidden-state norm (both on in the presets;
 *                 {@link MultiScanMixer.Extras#NONE} gives plain SS2D v05_noz mixers)
 */
public record FractalMambaConfig(String name, int channels, int[] depths, int dState, double ssmRatio, double mlpRatio,
                                 double clsScale, double dropPath, List<String> pathways,
                                 MultiScanMixer.Extras extras) implements BackboneConfig {

    static final double NORM_EPS = 1e-6;   // GrootV's build_norm_layer default

    /** The default pathways: the generalised Hilbert curve and its transpose. */
    public static final List<String> HILBERT_PAIR = List.of("hilbert", "hilbert-t");

    /** Hilbert, transposed Hilbert and the reverses of both. */
    public static final List<String> HILBERT_PAIR_WITH_REVERSES = List.of("hilbert", "hilbert-t", "hilbert-rev", "hilbert-t-rev");

    public FractalMambaConfig {
        depths = depths.clone();
        pathways = List.copyOf(pathways);
        if (extras == null) throw new JmambaException(name + ": mixer extras must not be null (use Extras.NONE)");
        if (extras.hiddenNorm() && dState != 1) {
            throw new JmambaException(name + ": the hidden-state norm needs d_state 1, got " + dState);
        }
        if (pathways.isEmpty()) throw new JmambaException(name + ": need at least one fractal pathway");
        for (String p : pathways) {
            if (!ScanOrders.isValidName(p)) throw new JmambaException(name + ": unknown scan order '" + p + "' in pathways");
        }
    }

    @Override public int[] depths() { return depths.clone(); }

    /** FractalMamba-T as inferred: C0 80, depths 2/2/9/2, d_state 1, ssm_ratio 2, MLP 4, drop path 0.1. */
    public static FractalMambaConfig tiny() {
        return new FractalMambaConfig("fractalmamba-tiny", 80, new int[] {2, 2, 9, 2}, 1, 2.0, 4.0, 1.5, 0.1, HILBERT_PAIR,
                MultiScanMixer.Extras.GROOTV);
    }

    /**
     * A small FractalMamba for 28×28 / 32×32 inputs on a CPU: three levels (7×7, 4×4, 2×2 at 28), so
     * the last level still scans more than one token.
     */
    public static FractalMambaConfig nano() {
        return new FractalMambaConfig("fractalmamba-nano", 32, new int[] {1, 2, 1}, 1, 2.0, 2.0, 1.5, 0.0, HILBERT_PAIR,
                MultiScanMixer.Extras.GROOTV);
    }

    /** The same with another pathway set. */
    public FractalMambaConfig withPathways(List<String> names) {
        return new FractalMambaConfig(name, channels, depths, dState, ssmRatio, mlpRatio, clsScale, dropPath, names, extras);
    }

    /** The same with other mixer extras ({@link MultiScanMixer.Extras#NONE}: no z gate, no h_norm). */
    public FractalMambaConfig withExtras(MultiScanMixer.Extras e) {
        return new FractalMambaConfig(name, channels, depths, dState, ssmRatio, mlpRatio, clsScale, dropPath, pathways, e);
    }

    @Override public FractalMambaConfig withDropPath(double rate) { return new FractalMambaConfig(name, channels, depths, dState, ssmRatio, mlpRatio, clsScale, rate, pathways, extras); }

    @Override public Backbone build(ModelSpec spec) { return new FractalMamba(this, spec); }

    @Override public CostReport cost(ModelSpec spec) {
        CostCounter c = new CostCounter();
        int res = spec.resolution(), k = pathways.size();
        int h1 = conv(res), h = conv(h1);
        c.part("patch_embed").conv2d(spec.inChannels(), channels / 2, 3, 1, true, h1, h1).norm(channels / 2, 2, (long) h1 * h1 * channels / 2)
                .conv2d(channels / 2, channels, 3, 1, true, h, h).norm(channels, 2, (long) h * h * channels);
        for (int i = 0; i < depths.length; i++) {
            int ch = channels << i, di = (int) (ssmRatio * ch), r = Math.ceilDiv(ch, 16), hidden = (int) (mlpRatio * ch);
            long l = (long) h * h;
            c.part("level " + i + " (" + h + "x" + h + ", " + depths[i] + " blocks)");
            for (int b = 0; b < depths[i]; b++) {
                c.norm(ch, 2, l * ch).linear(l, ch, extras.zGate() ? 2 * di : di, false).conv2d(di, di, 3, di, false, h, h);
                c.linear(k * l, di, r + 2 * dState, false).params((long) (k - 1) * (r + 2 * dState) * di);
                c.linear(k * l, r, di, false).params((long) (k - 1) * r * di + (long) k * di);
                c.params((long) k * di * dState + (long) k * di).scan(k * di, l, dState, true, false);
                if (extras.hiddenNorm()) c.norm(di, 2, k * l * di);                    // h_norm, shared by the K pathways
                c.norm(di, 2, l * di).linear(l, di, ch, false);
                c.norm(ch, 2, l * ch).linear(l, ch, hidden, true).linear(l, hidden, ch, true);
            }
            c.norm(ch, 2, l * ch);
            if (i < depths.length - 1) {
                int hn = conv(h);
                c.conv2d(ch, 2 * ch, 3, 1, false, hn, hn).norm(2 * ch, 2, (long) hn * hn * 2 * ch);
                h = hn;
            }
        }
        int features = channels << (depths.length - 1), headDim = (int) (features * clsScale);
        c.part("conv_head + head").conv2d(features, headDim, 1, 1, false, h, h).norm(headDim, 2, (long) h * h * headDim)
                .pool((long) h * h * headDim).linear(1, headDim, spec.numClasses(), true);
        return c.report(name, res);
    }

    private static int conv(int n) { return (n + 2 - 3) / 2 + 1; }

    @Override public boolean equals(Object o) {
        return o instanceof FractalMambaConfig f && name.equals(f.name) && channels == f.channels
                && java.util.Arrays.equals(depths, f.depths) && dState == f.dState && ssmRatio == f.ssmRatio
                && mlpRatio == f.mlpRatio && clsScale == f.clsScale && dropPath == f.dropPath && pathways.equals(f.pathways) && extras.equals(f.extras);
    }

    @Override public int hashCode() { return name.hashCode(); }

    @Override public String toString() {
        return "FractalMambaConfig[" + name + ", C0 " + channels + ", depths " + java.util.Arrays.toString(depths)
                + ", pathways " + pathways + ", " + extras + "]";
    }
}
