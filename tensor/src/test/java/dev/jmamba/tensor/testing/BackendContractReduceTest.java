package dev.jmamba.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The reduction part of the conformance suite for sums over leading and middle axes (the shapes
 * of bias and batched weight gradients): x viewed as (O, R, I) reduced over R, for O, R, I over a
 * grid of awkward sizes, keepdim on and off, contiguous inputs and strided, sliced, broadcast and
 * transposed views, integer inputs, NaN and empty inputs, and run-to-run determinism.
 *
 * <p>Tolerances, per output element with S = Σ|x| over its reduced elements and n = R: F64 sums
 * may differ from the float64 reference only by summation order, n·2^-53·S ≤ 1e-12·S here. F32
 * inputs are exact in double, so an F32 sum is off by its final rounding (2^-24 of the result)
 * plus the backend's accumulation error: {@link #f32SumError()} of S (1e-5 allows for float
 * partial sums, as the CPU keeps them for 256 terms per SIMD lane; double accumulators give
 * n·2^-53). Means divide both by n. Max and min are exact.
 */
public abstract class BackendContractReduceTest {
    /** The device under test. */
    protected abstract Device device();

    /**
     * The accumulation error of an F32 sum relative to Σ|x|. The CPU sums SIMD lanes in float
     * for up to 256 terms before moving to double: its worst case is 256·2^-24 ≈ 1.5e-5, a random
     * walk of ±2^-25 steps is ~1e-6; 1e-5 holds for these seeded inputs. A backend that
     * accumulates in double overrides this with 1e-12.
     */
    protected double f32SumError() { return 1e-5; }

    private final RandomTensors rnd = new RandomTensors(20260311);

    private static final int[] SIZES = {1, 3, 31, 33, 257, 4099};
    /** Largest (O, R, I) of the size grid: keeps the CPU reference quick. */
    private static final int MAX_GRID_NUMEL = 1 << 19;

    /** Sum, mean, max, min of x (O, R, I as a double[]) over R: (O·I) each, plus Σ|x| per output. */
    private static double[][] reference(double[] x, int o, int r, int in) {
        double[] sum = new double[o * in], max = new double[o * in], min = new double[o * in], abs = new double[o * in], mean = new double[o * in];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        for (int a = 0; a < o; a++)
            for (int b = 0; b < r; b++)
                for (int c = 0; c < in; c++) {
                    double v = x[(a * r + b) * in + c];
                    int k = a * in + c;
                    sum[k] += v;
                    abs[k] += Math.abs(v);
                    max[k] = Math.max(max[k], v);
                    min[k] = Math.min(min[k], v);
                }
        for (int k = 0; k < mean.length; k++) mean[k] = sum[k] / r;
        return new double[][] {sum, mean, max, min, abs};
    }

    /** Checks sum / mean / max / min of x (O, R, I) over the given axes against the reference. */
    private void checkAll(Tensor x, int[] axes, double[] values, int o, int r, int in, int[] keptShape, String what) {
        DType dt = x.dtype();
        double[][] ref = reference(values, o, r, in);
        double error = dt == DType.F64 ? 1e-12 : f32SumError();
        double rounding = dt == DType.F64 ? 0 : 0x1p-24;
        double[] sumTol = new double[ref[4].length], meanTol = new double[ref[4].length];
        for (int k = 0; k < sumTol.length; k++) {
            sumTol[k] = error * ref[4][k] + rounding * Math.abs(ref[0][k]);
            meanTol[k] = sumTol[k] / r;
        }
        boolean keepdim = keptShape.length == x.rank();
        assertWithin(ref[0], sumTol, keptShape, x.sum(keepdim, axes), "sum " + what);
        assertWithin(ref[1], meanTol, keptShape, x.mean(keepdim, axes), "mean " + what);
        assertWithin(ref[2], new double[sumTol.length], keptShape, x.max(keepdim, axes), "max " + what);
        assertWithin(ref[3], new double[sumTol.length], keptShape, x.min(keepdim, axes), "min " + what);
    }

    private static void assertWithin(double[] expected, double[] tolerance, int[] shape, Tensor actual, String what) {
        assertArrayEquals(shape, actual.shape(), what + ": shape");
        double[] got = actual.toDoubleArray();
        for (int k = 0; k < expected.length; k++) {
            if (Double.isNaN(expected[k]) && Double.isNaN(got[k])) continue;
            if (!(Math.abs(got[k] - expected[k]) <= tolerance[k])) {
                throw new AssertionError(what + ": element " + k + " is " + got[k] + ", expected " + expected[k] + " ± " + tolerance[k]);
            }
        }
    }

    private static void round(double[] v) { for (int i = 0; i < v.length; i++) v[i] = (float) v[i]; }

    private double[] values(DType dt, int... shape) {
        double[] v = rnd.values(shape);
        if (dt == DType.F32) round(v);
        return v;
    }

    @Test void sumOverBatchAndTokensOfATokenTensor() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int b = 4, l = 49, c = 192;  // x (B, L, C) over (0, 1): a bias gradient
            double[] v = values(dt, b, l, c);
            Tensor x = RandomTensors.tensor(v, dt, device(), b, l, c);
            checkAll(x, new int[] {0, 1}, v, 1, b * l, c, new int[] {1, 1, c}, "(B, L, C) over (0, 1) " + dt + " keepdim");
            checkAll(x, new int[] {0, 1}, v, 1, b * l, c, new int[] {c}, "(B, L, C) over (0, 1) " + dt);
            int k = 24, n = 40;  // a batched weight gradient (B, k, n) over 0
            double[] w = values(dt, 16, k, n);
            Tensor g = RandomTensors.tensor(w, dt, device(), 16, k, n);
            checkAll(g, new int[] {0}, w, 1, 16, k * n, new int[] {k, n}, "(B, k, n) over 0 " + dt);
        }
    }

    @Test void middleAxisOverAGridOfSizes() {
        int checked = 0;
        for (int o : SIZES)
            for (int r : SIZES)
                for (int in : SIZES) {
                    if ((long) o * r * in > MAX_GRID_NUMEL) continue;
                    DType dt = checked % 3 == 2 ? DType.F64 : DType.F32;
                    double[] v = values(dt, o, r, in);
                    Tensor x = RandomTensors.tensor(v, dt, device(), o, r, in);
                    boolean keepdim = checked % 2 == 0;
                    int[] kept = keepdim ? new int[] {o, 1, in} : new int[] {o, in};
                    checkAll(x, new int[] {1}, v, o, r, in, kept, "(" + o + ", " + r + ", " + in + ") over 1 " + dt + (keepdim ? " keepdim" : ""));
                    checked++;
                }
        assertTrue(checked > 150, "only " + checked + " grid shapes");
    }

    @Test void stridedSlicedBroadcastAndTransposedInputs() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            // (O, R, I) cut from a longer middle dim and shifted by an offset: strided outer and rows
            double[] big = values(dt, 5, 70, 37);
            Tensor sliced = RandomTensors.tensor(big, dt, device(), 5, 70, 37).narrow(1, 6, 60);
            double[] v = sliced.toDoubleArray();
            checkAll(sliced, new int[] {1}, v, 5, 60, 37, new int[] {5, 37}, "sliced " + dt);
            // a row broadcast over (3, 50) rows: stride 0
            double[] row = values(dt, 1, 1, 65);
            Tensor expanded = RandomTensors.tensor(row, dt, device(), 1, 1, 65).expand(3, 50, 65);
            checkAll(expanded, new int[] {0, 1}, expanded.toDoubleArray(), 1, 150, 65, new int[] {65}, "broadcast " + dt);
            // inner dim not contiguous (stored transposed): the row path
            double[] t = values(dt, 6, 40, 33);
            Tensor transposed = RandomTensors.nonContiguous(RandomTensors.tensor(t, dt, device(), 6, 40, 33));
            checkAll(transposed, new int[] {1}, t, 6, 40, 33, new int[] {6, 33}, "transposed " + dt);
            // (B, C, H, W) over (0, 2, 3): two reduced groups, the row path
            double[] bn = values(dt, 3, 8, 5, 7);
            Tensor nchw = RandomTensors.tensor(bn, dt, device(), 3, 8, 5, 7);
            double[] perChannel = nchw.permute(1, 0, 2, 3).contiguous().toDoubleArray();
            checkAll(nchw.permute(1, 0, 2, 3).contiguous().reshape(1, 8, 105), new int[] {2}, perChannel, 8, 105, 1, new int[] {1, 8, 1}, "per-channel rows " + dt);
            double[] sums = nchw.sum(false, 0, 2, 3).toDoubleArray();
            double[][] ref = reference(perChannel, 8, 105, 1);
            for (int c = 0; c < 8; c++) assertEquals(ref[0][c], sums[c], 1e-5 * ref[4][c], "(B, C, H, W) over (0, 2, 3) channel " + c);
        }
    }

    /**
     * Channels-last views (N, C, H, W) of (N, H, W, C) storage — a conv's bias gradient, a LayerNorm2d's statistics —
     * reduced over several axis sets, keepdim on and off: sum / mean / max / min against float64 loops over the
     * logical indices, with the bounds of the class comment (n = the reduced count).
     */
    @Test void channelsLastViewsOverEveryAxisSet() {
        int n = 3, c = 37, h = 5, w = 9;
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double[] stored = values(dt, n, h, w, c);
            Tensor x = RandomTensors.tensor(stored, dt, device(), n, h, w, c).permute(0, 3, 1, 2);
            double[] logical = x.toDoubleArray();
            for (int[] axes : new int[][] {{0, 2, 3}, {1}, {0}, {2, 3}, {0, 1}, {1, 3}, {0, 1, 2, 3}}) {
                for (boolean keepdim : new boolean[] {true, false}) {
                    checkAxes(x, logical, new int[] {n, c, h, w}, axes, keepdim, dt);
                }
            }
        }
    }

    /** x (shape, logical values) over {@code axes}: every op against float64 loops. */
    private void checkAxes(Tensor x, double[] logical, int[] shape, int[] axes, boolean keepdim, DType dt) {
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes) reduced[a] = true;
        int outCount = 1, count = 1;
        for (int i = 0; i < shape.length; i++) { if (reduced[i]) count *= shape[i]; else outCount *= shape[i]; }
        double[] sum = new double[outCount], abs = new double[outCount], max = new double[outCount], min = new double[outCount];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        int[] index = new int[shape.length];
        for (int k = 0; k < logical.length; k++) {
            int rem = k;
            for (int i = shape.length - 1; i >= 0; i--) { index[i] = rem % shape[i]; rem /= shape[i]; }
            int o = 0;
            for (int i = 0; i < shape.length; i++) if (!reduced[i]) o = o * shape[i] + index[i];
            sum[o] += logical[k];
            abs[o] += Math.abs(logical[k]);
            max[o] = Math.max(max[o], logical[k]);
            min[o] = Math.min(min[o], logical[k]);
        }
        int[] kept = new int[keepdim ? shape.length : shape.length - axes.length];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!reduced[i]) kept[j++] = shape[i];
            else if (keepdim) kept[j++] = 1;
        }
        double error = dt == DType.F64 ? 1e-12 : f32SumError(), rounding = dt == DType.F64 ? 0 : 0x1p-24;
        double[] sumTol = new double[outCount], meanTol = new double[outCount], mean = new double[outCount];
        for (int o = 0; o < outCount; o++) {
            sumTol[o] = error * abs[o] + rounding * Math.abs(sum[o]);
            mean[o] = sum[o] / count;
            meanTol[o] = sumTol[o] / count;
        }
        String what = "channels-last " + dt + " over " + Arrays.toString(axes) + (keepdim ? " keepdim" : "");
        assertWithin(sum, sumTol, kept, x.sum(keepdim, axes), "sum " + what);
        assertWithin(mean, meanTol, kept, x.mean(keepdim, axes), "mean " + what);
        assertWithin(max, new double[outCount], kept, x.max(keepdim, axes), "max " + what);
        assertWithin(min, new double[outCount], kept, x.min(keepdim, axes), "min " + what);
    }

    @Test void integerInputsAreConvertedAndKeepTheirResultDtype() {
        int[] data = new int[4 * 9 * 33];
        for (int i = 0; i < data.length; i++) data[i] = rnd.between(-1000, 1000);
        Tensor x = Tensor.of(data, 4, 9, 33).to(device());
        double[] v = new double[data.length];
        for (int i = 0; i < v.length; i++) v[i] = data[i];
        double[][] ref = reference(v, 1, 36, 33);
        Tensor sum = x.sum(false, 0, 1), mean = x.mean(false, 0, 1);
        assertEquals(DType.I32, sum.dtype());
        assertEquals(DType.F32, mean.dtype());
        int[] s = sum.toIntArray();
        float[] m = mean.toFloatArray();
        for (int c = 0; c < 33; c++) {
            assertEquals((int) ref[0][c], s[c], "integer sum column " + c);
            assertEquals((float) ref[1][c], m[c], 0f, "integer mean column " + c + " (rounded once from double)");
        }
    }

    @Test void nanPropagatesAndEmptyInputsGiveIdentities() {
        double[] v = rnd.values(40, 35);
        v[7 * 35 + 4] = Double.NaN;
        Tensor x = RandomTensors.tensor(v, DType.F32, device(), 40, 35);
        for (Tensor r : new Tensor[] {x.sum(false, 0), x.max(false, 0), x.min(false, 0), x.mean(false, 0)}) {
            double[] got = r.toDoubleArray();
            for (int c = 0; c < 35; c++) assertEquals(c == 4, Double.isNaN(got[c]), "NaN only in column 4, column " + c + " is " + got[c]);
        }
        assertArrayEquals(new double[4], Tensor.zeros(DType.F32, device(), 0, 4).sum(false, 0).toDoubleArray());
        assertArrayEquals(new double[12], Tensor.zeros(DType.F64, device(), 3, 0, 4).sum(false, 1).toDoubleArray());
        assertEquals(0, Tensor.zeros(DType.F32, device(), 3, 5, 0).sum(false, 1).numel());
    }

    @Test void resultsAreIdenticalRunToRun() {
        // long enough for a backend to split the rows across blocks
        for (int[] shape : new int[][] {{1, 20000, 64}, {2, 3000, 300}, {128, 12, 48}}) {
            double[] v = values(DType.F32, shape);
            Tensor x = RandomTensors.tensor(v, DType.F32, device(), shape);
            float[] first = x.sum(false, 1).toFloatArray();
            for (int run = 0; run < 3; run++) assertArrayEquals(first, x.sum(false, 1).toFloatArray(), "sum of " + Arrays.toString(shape) + " run " + run);
            double[][] ref = reference(v, shape[0], shape[1], shape[2]);
            for (int k = 0; k < first.length; k++) {
                assertEquals(ref[0][k], first[k], f32SumError() * ref[4][k] + 0x1p-24 * Math.abs(ref[0][k]), "sum element " + k);
            }
        }
    }
}
