package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * Layer norm over the channels of a channels-first (N, C, M) tensor with an optional per-column scale and an optional
 * weighted skip term, forward and backward ({@link dev.jmamba.tensor.Backend#layerNormChannels}). Work is split into
 * fixed tiles of {@value #TILE} columns of one n; a tile keeps its columns' running sums in double arrays and walks
 * the C rows of x in memory order. The weight, bias and skip-weight gradients are summed per tile, then over the
 * tiles in order, so they do not depend on the thread count.
 */
final class LayerNormChannelsCpu {
    private LayerNormChannelsCpu() {}

    /** Columns per tile. */
    static final int TILE = 256;

    private static double[] doubles(Tensor t) { return t == null ? null : t.toDoubleArray(); }

    /**
     * x (N, C, M), weight/bias (C) or null, scale (N, M) or null, skip (N, C, M) with skipWeight (G, C) or both null
     * → {y (N, C, M), mean (N, M), rstd (N, M)}.
     */
    static Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight, double eps) {
        Checks.layerNormChannels(x, weight, bias, scale, skip, skipWeight);
        DType t = x.dtype(), pt = t.computeType();
        int n = x.size(0), c = x.size(1), m = x.size(2);
        Tensor xc = x.contiguous();
        double[] w = doubles(weight), b = doubles(bias), s = doubles(scale), sk = doubles(skip), skw = doubles(skipWeight);
        int groups = skipWeight == null ? 1 : skipWeight.size(0);
        Tensor y = ElementwiseCpu.newTensor(t, x.shape());
        double[] mean = new double[n * m], rstd = new double[n * m];
        Object X = ElementwiseCpu.arr(xc), Y = ElementwiseCpu.arr(y);
        int xo = xc.offset(), tilesPerN = Math.ceilDiv(Math.max(m, 1), TILE);
        if (c > 0 && m > 0) Parallel.forRange(n * tilesPerN, 1, task -> {
            int i = task / tilesPerN, m0 = (task % tilesPerN) * TILE, width = Math.min(TILE, m - m0);
            double[] mu = new double[width], var = new double[width];
            int col = i * m + m0, base = i * c * m + m0;
            for (int ch = 0; ch < c; ch++) {
                int at = base + ch * m;
                for (int j = 0; j < width; j++) mu[j] += ElementwiseCpu.get(X, t, xo + at + j);
            }
            for (int j = 0; j < width; j++) mu[j] /= c;
            for (int ch = 0; ch < c; ch++) {
                int at = base + ch * m;
                for (int j = 0; j < width; j++) { double d = ElementwiseCpu.get(X, t, xo + at + j) - mu[j]; var[j] += d * d; }
            }
            for (int j = 0; j < width; j++) {
                var[j] = 1.0 / Math.sqrt(var[j] / c + eps);
                mean[col + j] = mu[j];
                rstd[col + j] = var[j];
            }
            for (int ch = 0; ch < c; ch++) {
                int at = base + ch * m;
                double wc = w == null ? 1 : w[ch], bc = b == null ? 0 : b[ch];
                for (int j = 0; j < width; j++) {
                    double o = (ElementwiseCpu.get(X, t, xo + at + j) - mu[j]) * var[j] * wc + bc;
                    if (s != null) o *= s[col + j];
                    if (sk != null) o += skw[(i % groups) * c + ch] * sk[at + j];
                    ElementwiseCpu.put(Y, t, at + j, o);
                }
            }
        });
        return new Tensor[] {y, Tensor.of(mean, n, m).to(pt), Tensor.of(rstd, n, m).to(pt)};
    }

    /**
     * See {@link dev.jmamba.tensor.Backend#layerNormChannelsBackward}: {gx, gWeight, gBias, gScale, gSkip, gSkipWeight},
     * each possibly null.
     */
    static Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale,
                             Tensor skip, Tensor skipWeight, boolean inputGrad, boolean paramGrads, boolean scaleGrad,
                             boolean skipGrads) {
        Checks.layerNormChannelsBackward(gy, x, mean, rstd, weight, bias, scale, skip, skipWeight);
        DType xt = x.dtype(), t = xt.computeType();                       // x (and skip) in xt; gy and gradients in t
        int n = x.size(0), c = x.size(1), m = x.size(2);
        Tensor xc = x.contiguous(), gyc = gy.to(t).contiguous();
        double[] w = doubles(weight), b = doubles(bias), s = doubles(scale), mu = mean.toDoubleArray(), rs = rstd.toDoubleArray();
        boolean wantScale = scaleGrad && scale != null, wantSkip = skipGrads && skip != null;
        double[] sk = wantSkip ? skip.toDoubleArray() : null, skw = wantSkip ? skipWeight.toDoubleArray() : null;
        int groups = skipWeight == null ? 1 : skipWeight.size(0);
        Tensor gskip = wantSkip ? ElementwiseCpu.newTensor(t, x.shape()) : null;
        Object GSK = gskip == null ? null : ElementwiseCpu.arr(gskip);
        Tensor gx = inputGrad ? ElementwiseCpu.newTensor(t, x.shape()) : null;
        double[] gs = wantScale ? new double[n * m] : null;
        int tilesPerN = Math.ceilDiv(Math.max(m, 1), TILE), tiles = n * tilesPerN;
        double[] partial = paramGrads ? new double[tiles * 2 * c] : null;    // (tiles, 2C): weight then bias
        double[] skipPartial = wantSkip ? new double[tiles * c] : null;      // (tiles, C): gy · skip
        Object X = ElementwiseCpu.arr(xc), GY = ElementwiseCpu.arr(gyc), GX = gx == null ? null : ElementwiseCpu.arr(gx);
        int xo = xc.offset(), gyo = gyc.offset();
        if (c > 0 && m > 0) Parallel.forRange(tiles, 1, task -> {
            int i = task / tilesPerN, m0 = (task % tilesPerN) * TILE, width = Math.min(TILE, m - m0);
            int col = i * m + m0, base = i * c * m + m0;
            double[] sumG = new double[width], sumGx = new double[width];
            for (int ch = 0; ch < c; ch++) {
                int at = base + ch * m;
                double wc = w == null ? 1 : w[ch], bc = b == null ? 0 : b[ch];
                double pw = 0, pb = 0;
                for (int j = 0; j < width; j++) {
                    double xh = (ElementwiseCpu.get(X, xt, xo + at + j) - mu[col + j]) * rs[col + j];
                    double gyv = ElementwiseCpu.get(GY, t, gyo + at + j);
                    if (gs != null) gs[col + j] += gyv * (xh * wc + bc);
                    double gys = s == null ? gyv : gyv * s[col + j];
                    pw += gys * xh;
                    pb += gys;
                    double g = gys * wc;
                    sumG[j] += g;
                    sumGx[j] += g * xh;
                }
                if (partial != null) {
                    partial[task * 2 * c + ch] = pw;
                    partial[task * 2 * c + c + ch] = pb;
                }
                if (GSK != null) {
                    double pk = 0, swc = skw[(i % groups) * c + ch];
                    for (int j = 0; j < width; j++) {
                        double gyv = ElementwiseCpu.get(GY, t, gyo + at + j);
                        pk += gyv * sk[at + j];
                        ElementwiseCpu.put(GSK, t, at + j, gyv * swc);
                    }
                    skipPartial[task * c + ch] = pk;
                }
            }
            if (GX == null) return;
            for (int ch = 0; ch < c; ch++) {
                int at = base + ch * m;
                double wc = w == null ? 1 : w[ch];
                for (int j = 0; j < width; j++) {
                    double r = rs[col + j], xh = (ElementwiseCpu.get(X, xt, xo + at + j) - mu[col + j]) * r;
                    double gyv = ElementwiseCpu.get(GY, t, gyo + at + j);
                    double g = (s == null ? gyv : gyv * s[col + j]) * wc;
                    ElementwiseCpu.put(GX, t, at + j, r * (g - sumG[j] / c - xh * sumGx[j] / c));
                }
            }
        });
        Tensor gw = null, gb = null;
        if (paramGrads) {
            double[] sw = new double[c], sb = new double[c];
            for (int k = 0; k < tiles; k++) {
                for (int ch = 0; ch < c; ch++) {
                    sw[ch] += partial[k * 2 * c + ch];
                    sb[ch] += partial[k * 2 * c + c + ch];
                }
            }
            gw = Tensor.of(sw, c).to(t);
            gb = Tensor.of(sb, c).to(t);
        }
        Tensor gskw = null;
        if (wantSkip) {   // tiles in order; tile task belongs to n = task / tilesPerN, group n mod G
            double[] sums = new double[groups * c];
            for (int k = 0; k < tiles; k++) {
                int g = (k / tilesPerN) % groups;
                for (int ch = 0; ch < c; ch++) sums[g * c + ch] += skipPartial[k * c + ch];
            }
            gskw = Tensor.of(sums, groups, c).to(t);
        }
        return new Tensor[] {gx, gw, gb, gs == null ? null : Tensor.of(gs, n, m).to(t), gskip, gskw};
    }
}
