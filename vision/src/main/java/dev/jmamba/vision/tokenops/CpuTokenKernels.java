package dev.jmamba.vision.tokenops;

import dev.jmamba.ssm.conv.RowArrays;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;

/**
 * {@link TokenKernels} on the CPU: plain loops in float64 over one row (or one (n, b) slice) at a time, F32 rows
 * widened on load and rounded on store ({@link RowArrays}); multi-threaded over rows or slices, each task
 * writing its own outputs only. These loops are also the reference the GPU kernels are tested against.
 */
public final class CpuTokenKernels implements TokenKernels {

    /** The shared instance (stateless). */
    public static final CpuTokenKernels INSTANCE = new CpuTokenKernels();

    /** Elements per task: about this many each. */
    private static final int ELEMENTS_PER_TASK = 1 << 14;

    private CpuTokenKernels() {}

    @Override public boolean supports(Device device) { return device instanceof Device.Cpu; }

    private static int grain(int rowLength) { return Math.max(1, ELEMENTS_PER_TASK / Math.max(1, rowLength)); }

    @Override public Tensor rotary(Tensor x, Tensor cos, Tensor sin) {
        return rotate(x, cos, sin, false);
    }

    @Override public Tensor rotaryBackward(Tensor gy, Tensor cos, Tensor sin) {
        return rotate(gy, cos, sin, true);
    }

    /** Forward (adjoint false) or backward of the pair rotation, token by token. */
    private static Tensor rotate(Tensor x, Tensor cos, Tensor sin, boolean adjoint) {
        int b = x.size(0), l = x.size(1), d = x.size(2);
        RowArrays in = RowArrays.of(x), out = RowArrays.zeros(x.dtype(), b * l * d);
        RowArrays cosRows = RowArrays.of(cos), sinRows = RowArrays.of(sin);               // (L, D) each
        Parallel.forBlocks(b * l, grain(d), (start, end) -> {
            double[] row = new double[d], res = new double[d], c = new double[d], s = new double[d];
            for (int t = start; t < end; t++) {
                in.load(t * d, row, d);
                cosRows.load((t % l) * d, c, d);                                          // table row of position l
                sinRows.load((t % l) * d, s, d);
                for (int i = 0; i < d; i += 2) {
                    if (adjoint) {
                        res[i] = row[i] * c[i] + row[i + 1] * s[i + 1];
                        res[i + 1] = row[i + 1] * c[i + 1] - row[i] * s[i];
                    } else {
                        res[i] = row[i] * c[i] - row[i + 1] * s[i];
                        res[i + 1] = row[i + 1] * c[i + 1] + row[i] * s[i + 1];
                    }
                }
                out.store(t * d, res, d);
            }
        });
        return out.tensor(x.dtype(), b, l, d);
    }

    @Override public Tensor[] tokenMeanNorm(Tensor y, double eps) {
        int n = y.size(0), c = y.size(1), b = y.size(2), l = y.size(3);
        RowArrays in = RowArrays.of(y);
        DType stats = y.dtype() == DType.F64 ? DType.F64 : DType.F32;                     // statistics never below F32
        RowArrays xbar = RowArrays.zeros(y.dtype(), n * b * c), mean = RowArrays.zeros(stats, n * b * l),
                rstd = RowArrays.zeros(stats, n * b * l);
        Parallel.forBlocks(n * b, grain(c * l), (start, end) -> {
            double[] slice = new double[c * l], mu = new double[l], rs = new double[l], acc = new double[c];
            for (int nb = start; nb < end; nb++) {
                load(in, slice, nb / b, nb % b, c, b, l);
                java.util.Arrays.fill(mu, 0);
                java.util.Arrays.fill(rs, 0);
                for (int ch = 0; ch < c; ch++) for (int i = 0; i < l; i++) mu[i] += slice[ch * l + i];
                for (int i = 0; i < l; i++) mu[i] /= c;
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < l; i++) {
                        double v = slice[ch * l + i] - mu[i];
                        rs[i] += v * v;
                    }
                }
                for (int i = 0; i < l; i++) rs[i] = 1 / Math.sqrt(rs[i] / c + eps);
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int i = 0; i < l; i++) sum += (slice[ch * l + i] - mu[i]) * rs[i];
                    acc[ch] = sum / l;
                }
                xbar.store(nb * c, acc, c);
                mean.store(nb * l, mu, l);
                rstd.store(nb * l, rs, l);
            }
        });
        return new Tensor[] {xbar.tensor(y.dtype(), n, b, c), mean.tensor(stats, n, b, l), rstd.tensor(stats, n, b, l)};
    }

    @Override public Tensor tokenMeanNormBackward(Tensor gxbar, Tensor y, Tensor mean, Tensor rstd) {
        int n = y.size(0), c = y.size(1), b = y.size(2), l = y.size(3);
        RowArrays in = RowArrays.of(y), g = RowArrays.of(gxbar), mu = RowArrays.of(mean), rs = RowArrays.of(rstd);
        RowArrays gy = RowArrays.zeros(y.dtype(), n * c * b * l);
        Parallel.forBlocks(n * b, grain(c * l), (start, end) -> {
            double[] slice = new double[c * l], m = new double[l], r = new double[l], a = new double[c], dot = new double[l],
                    row = new double[l];
            for (int nb = start; nb < end; nb++) {
                int ni = nb / b, bi = nb % b;
                load(in, slice, ni, bi, c, b, l);
                mu.load(nb * l, m, l);
                rs.load(nb * l, r, l);
                g.load(nb * c, a, c);
                double total = 0;
                for (int ch = 0; ch < c; ch++) {
                    a[ch] /= l;
                    total += a[ch];
                }
                java.util.Arrays.fill(dot, 0);
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < l; i++) dot[i] += a[ch] * (slice[ch * l + i] - m[i]) * r[i];
                }
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < l; i++) {
                        double xhat = (slice[ch * l + i] - m[i]) * r[i];
                        row[i] = r[i] * (a[ch] - total / c - xhat * dot[i] / c);
                    }
                    gy.store(((ni * c + ch) * b + bi) * l, row, l);
                }
            }
        });
        return gy.tensor(y.dtype(), n, c, b, l);
    }

    /** slice[ch·L + i] = y[n, ch, b, i]: the (C, L) channel rows of one (n, b). */
    private static void load(RowArrays y, double[] slice, int n, int b, int c, int batch, int l) {
        double[] row = new double[l];
        for (int ch = 0; ch < c; ch++) {
            y.load(((n * c + ch) * batch + b) * l, row, l);
            System.arraycopy(row, 0, slice, ch * l, l);
        }
    }

    @Override public Tensor rowScale(Tensor x, Tensor g) {
        int rows = x.size(0), l = x.size(1);
        RowArrays in = RowArrays.of(x), out = RowArrays.zeros(x.dtype(), rows * l), scales = RowArrays.of(g);
        Parallel.forBlocks(rows, grain(l), (start, end) -> {
            double[] row = new double[l], scale = new double[end - start];               // g[start .. end)
            scales.load(start, scale, end - start);
            for (int r = start; r < end; r++) {
                in.load(r * l, row, l);
                for (int i = 0; i < l; i++) row[i] *= scale[r - start];
                out.store(r * l, row, l);
            }
        });
        return out.tensor(x.dtype(), rows, l);
    }

    @Override public Tensor[] rowScaleBackward(Tensor gy, Tensor x, Tensor g, boolean wantGx, boolean wantGg) {
        int rows = x.size(0), l = x.size(1);
        RowArrays gin = RowArrays.of(gy), xin = RowArrays.of(x);
        RowArrays gx = wantGx ? RowArrays.zeros(x.dtype(), rows * l) : null, gg = wantGg ? RowArrays.zeros(g.dtype(), rows) : null;
        RowArrays scales = RowArrays.of(g);
        Parallel.forBlocks(rows, grain(l), (start, end) -> {
            double[] grow = new double[l], xrow = new double[l], one = new double[1], scale = new double[end - start];
            scales.load(start, scale, end - start);                                       // g[start .. end)
            for (int r = start; r < end; r++) {
                gin.load(r * l, grow, l);
                if (wantGg) {
                    xin.load(r * l, xrow, l);
                    double sum = 0;
                    for (int i = 0; i < l; i++) sum += grow[i] * xrow[i];
                    one[0] = sum;
                    gg.store(r, one, 1);
                }
                if (wantGx) {
                    for (int i = 0; i < l; i++) grow[i] *= scale[r - start];
                    gx.store(r * l, grow, l);
                }
            }
        });
        return new Tensor[] {wantGx ? gx.tensor(x.dtype(), rows, l) : null, wantGg ? gg.tensor(g.dtype(), rows) : null};
    }
}
