package dev.jmamba.tensor.testing;

import java.util.function.DoubleBinaryOperator;

/** Naive float64 reference implementations on row-major double[] with explicit shapes. */
public final class Ref {
    private Ref() {}

    public static int numel(int[] s) {
        int n = 1;
        for (int d : s) n *= d;
        return n;
    }

    /** Multi-index of flat position i in shape s. */
    public static int[] unravel(int i, int[] s) {
        int[] idx = new int[s.length];
        for (int d = s.length - 1; d >= 0; d--) {
            idx[d] = s[d] == 0 ? 0 : i % s[d];
            i = s[d] == 0 ? 0 : i / s[d];
        }
        return idx;
    }

    public static int ravel(int[] idx, int[] s) {
        int f = 0;
        for (int d = 0; d < s.length; d++) f = f * s[d] + idx[d];
        return f;
    }

    /** NumPy broadcast of two shapes. */
    /** The row-major values of v (shape s) permuted: out dim d is input dim perm[d]. */
    public static double[] permute(double[] v, int[] s, int[] perm) {
        int[] out = new int[s.length];
        for (int d = 0; d < s.length; d++) out[d] = s[perm[d]];
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int[] o = unravel(i, out), src = new int[s.length];
            for (int d = 0; d < s.length; d++) src[perm[d]] = o[d];
            r[i] = v[ravel(src, s)];
        }
        return r;
    }

    public static int[] broadcastShape(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] o = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    /** Values of v (shape s) broadcast to shape out. */
    public static double[] broadcast(double[] v, int[] s, int[] out) {
        double[] r = new double[numel(out)];
        int lead = out.length - s.length;
        for (int i = 0; i < r.length; i++) {
            int[] oi = unravel(i, out);
            int[] si = new int[s.length];
            for (int d = 0; d < s.length; d++) si[d] = s[d] == 1 ? 0 : oi[d + lead];
            r[i] = v[ravel(si, s)];
        }
        return r;
    }

    public static double[] binary(double[] a, int[] sa, double[] b, int[] sb, DoubleBinaryOperator f) {
        int[] out = broadcastShape(sa, sb);
        double[] x = broadcast(a, sa, out), y = broadcast(b, sb, out);
        double[] r = new double[x.length];
        for (int i = 0; i < r.length; i++) r[i] = f.applyAsDouble(x[i], y[i]);
        return r;
    }

    /** Reduction over flagged axes (keepdim shape layout: reduced dims become 1). kind: sum, mean, max, min. */
    public static double[] reduce(double[] v, int[] s, boolean[] axes, String kind) {
        int[] ks = s.clone();
        for (int d = 0; d < s.length; d++) if (axes[d]) ks[d] = 1;
        int n = numel(ks);
        double[] acc = new double[n];
        int[] count = new int[n];
        boolean minmax = kind.equals("max") || kind.equals("min");
        if (minmax) java.util.Arrays.fill(acc, kind.equals("max") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        for (int i = 0; i < v.length; i++) {
            int[] idx = unravel(i, s);
            for (int d = 0; d < s.length; d++) if (axes[d]) idx[d] = 0;
            int o = ravel(idx, ks);
            count[o]++;
            switch (kind) {
                case "max" -> acc[o] = Math.max(acc[o], v[i]);
                case "min" -> acc[o] = Math.min(acc[o], v[i]);
                default -> acc[o] += v[i];
            }
        }
        if (kind.equals("mean")) for (int i = 0; i < n; i++) acc[i] /= count[i];
        return acc;
    }

    /** (m, k) @ (k, n). */
    public static double[] matmul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    /** Direct-loop conv2d: x (N, C, H, W), w (O, C/g, kh, kw). */
    public static double[] conv2d(double[] x, int[] xs, double[] w, int[] ws, double[] bias,
                                  int sh, int sw, int ph, int pw, int dh, int dw, int groups, int[] outShape) {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], o = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        outShape[0] = n; outShape[1] = o; outShape[2] = oh; outShape[3] = ow;
        int og = o / groups;
        double[] y = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double s = bias == null ? 0 : bias[oc];
                        for (int ic = 0; ic < cg; ic++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    s += x[((b * c + g * cg + ic) * h + iy) * wd + ix] * w[((oc * cg + ic) * kh + ky) * kw + kx];
                                }
                        y[((b * o + oc) * oh + oy) * ow + ox] = s;
                    }
            }
        return y;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
