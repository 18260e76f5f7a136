package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * The element-wise, reduction and view part of the conformance suite every backend must pass
 * (subclassed once per device). Linear algebra, convolution, resampling and indexing are in
 * {@link BackendContractNnTest}. Every check compares against a float64 reference ({@link Ref}).
 *
 * <p>Tolerances: F64 results must match the reference to 1e-12 relative (the same formulas in
 * the same precision, up to summation order). F32 results are computed from F32 inputs, so an
 * element-wise op carries ~2 ulp of its result (rtol 1e-6 plus an atol of 1e-6 for values near
 * zero); sums of n terms carry up to ~n·eps·Σ|x| (we use rtol 1e-5 with n ≤ 500 and the atol
 * scaled by the sum of magnitudes).
 */
public abstract class BackendContractTest {

    /** The device under test. */
    protected abstract Device device();

    protected final RandomTensors rnd = new RandomTensors(20261125);

    protected Tensor t(double[] v, DType dt, int... shape) { return RandomTensors.tensor(v, dt, device(), shape); }

    protected static double tolAbs(DType dt) { return dt == DType.F64 ? 1e-12 : 1e-6; }
    protected static double tolRel(DType dt) { return dt == DType.F64 ? 1e-12 : 2e-6; }

    // ------------------------------------------------------------------ unary

    @Test void unaryOpsMatchDoubleReference() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (UnaryOp op : UnaryOp.values()) {
                int[] shape = rnd.shape(3, 1, 5);
                double[] v = rnd.values(shape);
                double p0 = 0, p1 = 0;
                switch (op) {
                    case LOG, SQRT, RSQRT, RECIPROCAL -> { for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + 0.1; }
                    case LOG1P -> { for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]); }
                    case POW -> { for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + 0.1; p0 = 1.7; }
                    case CLAMP -> { p0 = -0.3; p1 = 0.4; }
                    case SOFTPLUS -> { for (int i = 0; i < v.length; i++) v[i] *= 30; p0 = 1; p1 = 20; }
                    case AFFINE -> { p0 = 1.5; p1 = -0.25; }
                    default -> { }
                }
                if (dt == DType.F32) for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
                Tensor x = t(v, dt, shape);
                double[] expected = new double[v.length];
                for (int i = 0; i < v.length; i++) expected[i] = op.apply(v[i], p0, p1);
                String what = op + " " + dt;
                double atol = dt == DType.F64 ? 1e-12 : 2e-6, rtol = dt == DType.F64 ? 1e-12 : 4e-6;
                assertClose(expected, shape, x.unary(op, p0, p1), atol, rtol, what);
                assertClose(expected, shape, RandomTensors.nonContiguous(x).unary(op, p0, p1), atol, rtol, what + " non-contiguous");
            }
        }
    }

    @Test void geluMatchesErfDefinitionAndSoftplusThreshold() {
        Tensor x = t(new double[] {-3, -1, -0.5, 0, 0.5, 1, 3}, DType.F64, 7);
        // gelu(x) = x * Phi(x); Phi values from a high-precision table
        double[] phi = {0.0013498980316301, 0.15865525393145707, 0.3085375387259869, 0.5, 0.6914624612740131, 0.8413447460685429, 0.9986501019683699};
        double[] xs = x.toDoubleArray(), e = new double[7];
        for (int i = 0; i < 7; i++) e[i] = xs[i] * phi[i];
        assertClose(e, new int[] {7}, x.gelu(), 1e-14, 1e-13, "gelu exact");
        Tensor big = t(new double[] {25, 19.9}, DType.F64, 2);
        double[] sp = big.softplus().toDoubleArray();
        assertEquals(25.0, sp[0], 0.0, "softplus above the threshold is the identity");
        assertEquals(Math.log1p(Math.exp(19.9)), sp[1], 1e-12);
    }

    // ------------------------------------------------------------------ binary

    @Test void binaryOpsBroadcastLikeNumpy() {
        int[][][] cases = {
            {{3, 1}, {1, 4}}, {{}, {2, 3}}, {{2, 3}, {}}, {{2, 1, 4}, {3, 1}}, {{5}, {4, 5}}, {{0, 3}, {1, 3}}, {{1}, {1}}, {{2, 3, 4}, {2, 3, 4}},
        };
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (BinaryOp op : BinaryOp.values()) {
                for (int[][] c : cases) {
                    double[] a = rnd.values(c[0]), b = rnd.values(c[1]);
                    if (op == BinaryOp.POW) for (int i = 0; i < a.length; i++) a[i] = Math.abs(a[i]) + 0.5;
                    if (op == BinaryOp.DIV) for (int i = 0; i < b.length; i++) b[i] = b[i] >= 0 ? b[i] + 0.5 : b[i] - 0.5;
                    if (op == BinaryOp.EQ || op == BinaryOp.NE) for (int i = 0; i < b.length && i < a.length; i += 2) b[i] = a[i];
                    if (dt == DType.F32) { round(a); round(b); }
                    double[] e = Ref.binary(a, c[0], b, c[1], op::apply);
                    int[] out = Ref.broadcastShape(c[0], c[1]);
                    String what = op + " " + dt + " " + java.util.Arrays.toString(c[0]) + " vs " + java.util.Arrays.toString(c[1]);
                    Tensor ta = t(a, dt, c[0]), tb = t(b, dt, c[1]);
                    assertClose(e, out, ta.binary(op, tb), tolAbs(dt), tolRel(dt) * 2, what);
                    assertClose(e, out, RandomTensors.nonContiguous(ta).binary(op, RandomTensors.nonContiguous(tb)), tolAbs(dt), tolRel(dt) * 2, what + " strided");
                }
            }
        }
    }

    private static void round(double[] v) { for (int i = 0; i < v.length; i++) v[i] = (float) v[i]; }

    @Test void scalarArithmeticAndWhere() {
        double[] a = rnd.values(2, 3);
        Tensor x = t(a, DType.F64, 2, 3);
        double[] e = new double[6];
        for (int i = 0; i < 6; i++) e[i] = (a[i] * 2 + 1 - 0.5) / 4;
        assertClose(e, new int[] {2, 3}, x.mul(2).add(1).sub(0.5).div(4), 1e-15, 1e-14, "scalar ops");
        Tensor cond = t(new double[] {1, 0, 1}, DType.F64, 3);
        Tensor w = Tensor.where(cond, x, t(new double[] {9}, DType.F64, 1));
        double[] we = {a[0], 9, a[2], a[3], 9, a[5]};
        assertClose(we, new int[] {2, 3}, w, 0, 0, "where");
    }

    @Test void integerTensorsKeepTheirDtype() {
        Tensor a = Tensor.of(new int[] {1, -2, 3}, 3).to(device());
        Tensor b = Tensor.of(new int[] {4, 5, -6}, 3).to(device());
        Tensor s = a.add(b);
        assertEquals(DType.I32, s.dtype());
        assertArrayEquals(new int[] {5, 3, -3}, s.toIntArray());
        assertArrayEquals(new int[] {1, 2, 3}, a.abs().toIntArray());
        assertEquals(DType.F32, a.add(Tensor.of(new float[] {0.5f}, 1).to(device())).dtype());
        assertArrayEquals(new long[] {1, -2, 3}, a.to(DType.I64).toLongArray());
    }

    // ------------------------------------------------------------------ reductions

    @Test void reductionsOverEveryAxisSubset() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int[] s = {3, 4, 5};
            double[] v = rnd.values(s);
            if (dt == DType.F32) round(v);
            Tensor x = t(v, dt, s);
            for (int mask = 1; mask < 8; mask++) {
                boolean[] f = {(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
                int[] axes = java.util.stream.IntStream.range(0, 3).filter(i -> f[i]).toArray();
                int[] keep = s.clone();
                for (int a : axes) keep[a] = 1;
                for (String kind : new String[] {"sum", "mean", "max", "min"}) {
                    double[] e = Ref.reduce(v, s, f, kind);
                    Tensor r = switch (kind) {
                        case "sum" -> RandomTensors.nonContiguous(x).sum(true, axes);
                        case "mean" -> x.mean(true, axes);
                        case "max" -> x.max(true, axes);
                        default -> x.min(true, axes);
                    };
                    assertClose(e, keep, r, dt == DType.F64 ? 1e-13 : 1e-5, 1e-5, kind + " " + dt + " axes " + java.util.Arrays.toString(axes));
                    Tensor nk = x.sum(false, axes);
                    assertEquals(3 - axes.length, nk.rank(), "keepdim=false drops the axes");
                }
            }
        }
    }

    @Test void varianceBiasedAndUnbiased() {
        double[] v = rnd.values(4, 6);
        Tensor x = t(v, DType.F64, 4, 6);
        double[] eb = new double[4], eu = new double[4];
        for (int r = 0; r < 4; r++) {
            double m = 0;
            for (int c = 0; c < 6; c++) m += v[r * 6 + c] / 6;
            double ss = 0;
            for (int c = 0; c < 6; c++) ss += (v[r * 6 + c] - m) * (v[r * 6 + c] - m);
            eb[r] = ss / 6;
            eu[r] = ss / 5;
        }
        assertClose(eb, new int[] {4}, x.var(false, false, 1), 1e-14, 1e-12, "biased var");
        assertClose(eu, new int[] {4, 1}, x.var(true, true, 1), 1e-14, 1e-12, "unbiased var");
    }

    @Test void argmaxTakesTheFirstOfTies() {
        Tensor x = t(new double[] {1, 3, 3, 0, -1, -1, 2, -1}, DType.F32, 2, 4);
        assertArrayEquals(new long[] {1, 2}, x.argmax(1, false).toLongArray());
        assertArrayEquals(new long[] {3, 0}, x.argmin(1, false).toLongArray());
        assertArrayEquals(new int[] {2, 1}, x.argmax(1, true).shape());
        assertArrayEquals(new long[] {0, 0, 0, 0}, x.argmax(0, false).toLongArray());
        assertArrayEquals(new long[] {1, 1, 1, 1}, x.argmin(0, false).toLongArray());
    }

    @Test void softmaxAndLogSoftmaxAlongEachAxis() {
        int[] s = {2, 3, 4};
        double[] v = rnd.values(s);
        for (int i = 0; i < v.length; i++) v[i] *= 10;
        Tensor x = t(v, DType.F64, s);
        for (int axis = 0; axis < 3; axis++) {
            double[] e = new double[v.length], le = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                int[] idx = Ref.unravel(i, s);
                double m = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < s[axis]; k++) { idx[axis] = k; m = Math.max(m, v[Ref.ravel(idx, s)]); }
                double z = 0;
                for (int k = 0; k < s[axis]; k++) { idx[axis] = k; z += Math.exp(v[Ref.ravel(idx, s)] - m); }
                e[i] = Math.exp(v[i] - m) / z;
                le[i] = v[i] - m - Math.log(z);
            }
            assertClose(e, s, RandomTensors.nonContiguous(x).softmax(axis), 1e-14, 1e-12, "softmax axis " + axis);
            assertClose(le, s, x.logSoftmax(axis - 3), 1e-13, 1e-12, "logSoftmax axis " + axis);
            assertClose(e, s, x.to(DType.F32).softmax(axis), 1e-6, 1e-5, "softmax F32 axis " + axis);
        }
    }

    // ------------------------------------------------------------------ creation and conversion

    @Test void creationOps() {
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5}, Tensor.arange(0, 2, 0.5, DType.F64, device()).toDoubleArray());
        assertArrayEquals(new double[] {1, 1.5, 2}, Tensor.linspace(1, 2, 3, DType.F64, device()).toDoubleArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7, DType.F32, device(), 2).toFloatArray());
        assertEquals(0, Tensor.zeros(DType.F32, device(), 0, 4).numel());
        assertEquals(3.5, Tensor.scalar(3.5, DType.F64, device()).item());
    }

    @Test void randomNumbersDependOnlyOnSeedAndIndex() {
        Tensor a = Tensor.random(RandomKind.NORMAL, 7, 0, 1, DType.F64, device(), 100_000);
        Tensor b = Tensor.random(RandomKind.NORMAL, 7, 0, 1, DType.F64, device(), 100_000);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), "same seed, same numbers");
        double[] v = a.toDoubleArray();
        double m = 0, sq = 0;
        for (double x : v) { m += x; sq += x * x; }
        m /= v.length;
        double sd = Math.sqrt(sq / v.length - m * m);
        // standard error of the mean is 1/sqrt(1e5) = 0.0032: 5 sigma bounds
        assertEquals(0, m, 0.016, "normal mean");
        assertEquals(1, sd, 0.012, "normal std");
        double[] u = Tensor.random(RandomKind.UNIFORM, 3, -2, 5, DType.F64, device(), 50_000).toDoubleArray();
        for (double x : u) assertTrue(x >= -2 && x < 5, "uniform in range");
        double[] tn = Tensor.random(RandomKind.TRUNC_NORMAL, 3, 1, 0.02, DType.F32, device(), 50_000).toDoubleArray();
        for (double x : tn) assertTrue(Math.abs(x - 1) <= 0.04 + 1e-6, "trunc normal within 2 std");
        // a prefix of a longer draw equals a shorter draw (element i depends only on (seed, i))
        double[] longer = Tensor.random(RandomKind.UNIFORM, 11, 0, 1, DType.F64, device(), 10).toDoubleArray();
        double[] shorter = Tensor.random(RandomKind.UNIFORM, 11, 0, 1, DType.F64, device(), 4).toDoubleArray();
        assertArrayEquals(shorter, java.util.Arrays.copyOf(longer, 4));
    }

    /**
     * Contiguous float32 → bf16 → float32 casts of many values (CUDA's vectorised cast kernels and their
     * scalar tails): every bf16 equals DType.toBf16 (round to nearest even, NaN kept) and every bf16 →
     * float32 is exact.
     */
    @Test void bf16CastsOfLargeContiguousTensorsRoundToNearestEven() {
        int n = 10_007;
        java.util.Random r = new java.util.Random(9);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            float f = switch (i % 7) {
                case 0 -> Float.intBitsToFloat(r.nextInt());                             // any bits: NaN, inf, subnormals
                case 1 -> Float.intBitsToFloat((r.nextInt() & 0xffff0000) | 0x8000);     // exact ties
                default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            };
            v[i] = f;
        }
        double[] got = t(v, DType.F32, n).to(DType.BF16).to(DType.F32).toDoubleArray();
        for (int i = 0; i < n; i++) {
            double want = DType.fromBf16(DType.toBf16((float) v[i]));
            if (Double.isNaN(want)) assertTrue(Double.isNaN(got[i]), "NaN stays NaN at " + i);
            else assertEquals(want, got[i], 0.0, "element " + i + " = " + v[i]);
        }
    }

    /**
     * Products of bf16 operands (autocast's GEMM): a float32 result equal to float64 loops over the
     * bf16 values within the float32 summation bound (k + 2)·2⁻²⁴·Σ|a·b| (bf16 × bf16 is exact in
     * float32); batched, broadcast weight, transposed-stored operands.
     */
    @Test void bf16ProductsGiveFloat32ResultsOfTheRoundedValues() {
        java.util.Random r = new java.util.Random(21);
        int b = 3, m = 37, k = 64, n = 40;
        double[] a = new double[b * m * k], w = new double[k * n];
        for (int i = 0; i < a.length; i++) a[i] = DType.fromBf16(DType.toBf16((float) r.nextGaussian()));
        for (int i = 0; i < w.length; i++) w[i] = DType.fromBf16(DType.toBf16((float) r.nextGaussian()));
        Tensor ta = t(a, DType.F32, b, m, k).to(DType.BF16), tw = t(w, DType.F32, k, n).to(DType.BF16);
        Tensor wT = t(w, DType.F32, k, n).transpose(0, 1).contiguous().to(DType.BF16).transpose(0, 1);   // stored (n, k)
        for (Tensor weight : new Tensor[] {tw, wT, tw.unsqueeze(0).expand(b, k, n)}) {
            Tensor y = ta.matmul(weight);
            assertEquals(DType.F32, y.dtype(), "bf16 operands give a float32 product");
            assertArrayEquals(new int[] {b, m, n}, y.shape());
            double[] got = y.toDoubleArray();
            for (int i = 0; i < b * m; i++) {
                for (int j = 0; j < n; j++) {
                    double want = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        want += a[i * k + p] * w[p * n + j];
                        abs += Math.abs(a[i * k + p] * w[p * n + j]);
                    }
                    assertEquals(want, got[i * n + j], (k + 2) * 0x1p-24 * abs + 1e-30, "row " + i + " col " + j);
                }
            }
        }
    }

    @Test void dtypeConversionsRoundTrip() {
        double[] v = {1.0, -2.5, 3.0000001, 1e-3, 65504, -0.0};
        Tensor x = t(v, DType.F64, 6);
        assertArrayEquals(new int[] {1, -2, 3, 0, 65504, 0}, x.to(DType.I32).toIntArray());
        double[] bf = x.to(DType.BF16).toDoubleArray();
        assertEquals(1.0, bf[0]);
        assertEquals(-2.5, bf[1]);
        assertEquals(3.0, bf[2], "3.0000001 rounds to 3 in bf16");
        assertEquals(1e-3, bf[3], 1e-3 / 128, "bf16 keeps 8 significant bits");
        assertEquals(65536.0, bf[4], "65504 rounds up to 65536 in bf16");
        // round to nearest even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 -> 1 (even mantissa)
        assertEquals(1.0, Tensor.of(new float[] {1f + 0x1p-8f}, 1).to(DType.BF16).toDoubleArray()[0]);
        assertEquals(1.0 + 0x1p-6, Tensor.of(new float[] {1f + 0x1p-7f + 0x1p-8f}, 1).to(DType.BF16).toDoubleArray()[0]);
        assertTrue(Double.isNaN(Tensor.of(new float[] {Float.NaN}, 1).to(DType.BF16).toDoubleArray()[0]));
    }

    // ------------------------------------------------------------------ views

    @Test void viewsShareStorageAndIndexCorrectly() {
        double[] v = new double[24];
        for (int i = 0; i < 24; i++) v[i] = i;
        Tensor x = t(v, DType.F64, 2, 3, 4);
        assertArrayEquals(new int[] {6, 4}, x.reshape(-1, 4).shape());
        Tensor p = x.permute(2, 0, 1); // (4, 2, 3)
        assertEquals(v[Ref.ravel(new int[] {1, 2, 3}, new int[] {2, 3, 4})], p.select(0, 3).select(0, 1).select(0, 2).item());
        assertArrayEquals(new double[] {5, 6, 17, 18}, x.narrow(1, 1, 1).narrow(2, 1, 2).toDoubleArray());
        assertArrayEquals(new double[] {1, 3, 13, 15}, x.select(1, 0).slice(1, 1, 4, 2).toDoubleArray());
        assertArrayEquals(new double[] {2, 3}, x.select(0, 0).select(0, 0).slice(0, -2, 4, 1).toDoubleArray());
        assertArrayEquals(new double[] {3, 2, 1, 0}, x.select(0, 0).select(0, 0).flip(0).toDoubleArray());
        Tensor e = t(new double[] {1, 2}, DType.F64, 2, 1).expand(2, 3);
        assertArrayEquals(new double[] {1, 1, 1, 2, 2, 2}, e.toDoubleArray());
        assertArrayEquals(new int[] {2, 1, 3, 4}, x.unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 3, 4}, x.unsqueeze(-1).squeeze(3).shape());
        assertArrayEquals(new int[] {2, 4}, x.narrow(1, 0, 1).squeeze().shape());
        // reshape of a non-viewable (transposed) tensor copies; view refuses
        Tensor tr = x.transpose(1, 2);
        assertEquals(t(v, DType.F64, 2, 3, 4).transpose(1, 2).contiguous().reshape(8, 3).toDoubleArray()[4], tr.reshape(8, 3).toDoubleArray()[4]);
        assertThrows(TensorException.Shape.class, () -> tr.view(8, 3));
        // writes through a view land in the base tensor
        Tensor base = Tensor.zeros(DType.F64, device(), 3, 3);
        base.narrow(0, 1, 1).fill(5);
        assertArrayEquals(new double[] {0, 0, 0, 5, 5, 5, 0, 0, 0}, base.toDoubleArray());
    }

    /**
     * Contiguous copies of permuted views large enough for CUDA's tiled transposing copy (dims ≥ 16,
     * sizes not multiples of 32, an outer dim, a strided destination, 2/4/8-byte elements): exact.
     */
    @Test void transposingCopiesAreExact() {
        int[] shape = {3, 37, 5, 50};
        int n = 3 * 37 * 5 * 50;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i % 251 - 125;   // exact in bf16 too
        for (DType dt : new DType[] {DType.F32, DType.F64, DType.BF16, DType.I32}) {
            Tensor x = t(v, DType.F64, shape).to(dt);
            for (int[] perm : new int[][] {{0, 3, 2, 1}, {0, 2, 3, 1}, {3, 1, 2, 0}, {1, 0, 3, 2}}) {
                Tensor got = x.permute(perm).contiguous();
                double[] want = Ref.permute(v, shape, perm);
                assertArrayEquals(want, got.toDoubleArray(), dt + " permute " + java.util.Arrays.toString(perm));
            }
            // a strided destination: the permuted values written into every other row of a wider tensor
            Tensor dst = Tensor.zeros(dt, device(), 3, 50, 5, 74);
            dst.narrow(3, 0, 37).copyFrom(x.permute(0, 3, 2, 1));
            double[] got = dst.narrow(3, 0, 37).contiguous().toDoubleArray();
            assertArrayEquals(Ref.permute(v, shape, new int[] {0, 3, 2, 1}), got, dt + " into a strided destination");
        }
    }

    @Test void joinsAndPadding() {
        Tensor a = t(new double[] {1, 2, 3, 4}, DType.F64, 2, 2), b = t(new double[] {5, 6}, DType.F64, 2, 1);
        assertArrayEquals(new double[] {1, 2, 5, 3, 4, 6}, Tensor.cat(1, a, b).toDoubleArray());
        assertArrayEquals(new int[] {2, 2, 2}, Tensor.stack(0, a, a).shape());
        Tensor[] parts = Tensor.cat(1, a, b).split(1, 1, 2);
        assertArrayEquals(new double[] {2, 5, 4, 6}, parts[1].toDoubleArray());
        assertEquals(3, Tensor.arange(0, 7, 1, DType.F64, device()).chunk(3, 0).length);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}, a.pad(0, 1, 1, 1, 1).toDoubleArray());
        assertArrayEquals(new double[] {7, 1, 2, 7, 3, 4}, a.pad(7, 1, 0).toDoubleArray());
        assertArrayEquals(new double[] {2, 4}, a.pad(0, -1, 0).toDoubleArray(), "negative pad crops");
    }

    // ------------------------------------------------------------------ bad input

    @Test void badInputNamesTheOpAndWhatArrived() {
        Tensor a = Tensor.zeros(DType.F32, device(), 2, 3), b = Tensor.zeros(DType.F32, device(), 4, 5);
        var e1 = assertThrows(TensorException.Shape.class, () -> a.add(b));
        assertTrue(e1.getMessage().startsWith("add:") && e1.getMessage().contains("(2, 3)") && e1.getMessage().contains("(4, 5)"), e1.getMessage());
        var e2 = assertThrows(TensorException.Shape.class, () -> a.matmul(b));
        assertTrue(e2.getMessage().contains("matmul") && e2.getMessage().contains("inner dims"), e2.getMessage());
        var e3 = assertThrows(TensorException.Shape.class, () -> a.reshape(4, 2));
        assertTrue(e3.getMessage().contains("reshape") && e3.getMessage().contains("6 elements"), e3.getMessage());
        assertThrows(TensorException.Shape.class, () -> a.permute(0, 0));
        assertThrows(TensorException.Shape.class, () -> a.narrow(1, 2, 2));
        var e4 = assertThrows(TensorException.Shape.class, () -> a.item());
        assertTrue(e4.getMessage().contains("item"), e4.getMessage());
        var e5 = assertThrows(TensorException.DType.class, () -> a.gather(0, Tensor.zeros(DType.F32, device(), 2, 3)));
        assertTrue(e5.getMessage().contains("index"), e5.getMessage());
        var e6 = assertThrows(TensorException.DType.class, () -> a.matmul(Tensor.zeros(DType.F64, device(), 3, 2)));
        assertTrue(e6.getMessage().contains("F32") && e6.getMessage().contains("F64"), e6.getMessage());
    }
}
