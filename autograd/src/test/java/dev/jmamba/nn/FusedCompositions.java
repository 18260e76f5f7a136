package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.List;
import java.util.function.Function;

/**
 * The fused autograd nodes of issue 14 (the row layer norm, the channels-first layer norm with its scale and skip
 * readout, the SiLU-gated layer norm, the depthwise conv + bias + SiLU) beside their compositions of elementary
 * {@link Var} ops — mean, sub, mul, rsqrt, add, sigmoid, conv2d — and a comparison of outputs and of the gradients of
 * every input, on any device. Shared by {@link FusedCompositionTest} (CPU) and {@link FusedCompositionGpuTest}.
 *
 * <p>Tolerances ({@link #F64_TOL}, {@link #F32_Y_TOL}, {@link #F32_GRAD_TOL}) are relative to the largest magnitude of
 * the reference (at least 1): see each constant.
 */
final class FusedCompositions {
    private FusedCompositions() {}

    /** float64: both sides round each op to double (1.1e-16) over ≲ 10 ops and sums of ≤ 400 terms: ≪ 1e-11. */
    static final double F64_TOL = 1e-11;
    /**
     * float32 outputs: the composition rounds after each of ~10 float32 ops (6e-8 each) on values ≲ 10, the
     * conv sums 9 taps: ≲ 1e-5.
     */
    static final double F32_Y_TOL = 2e-5;
    /**
     * float32 gradients: the composition's backward is a chain of ~20 float32 ops, and the parameter gradients sum up
     * to n = 392 terms (the 14×14 conv), in float32 in another order on the other side: typically √n·2⁻²⁴·Σ|terms|
     * with Σ|terms| ≲ 20 × the largest result, ≈ 2.4e-5 of it; 2e-4 leaves a margin of eight (a wrong rule is off by
     * O(1); observed on the CPU ≤ 3.2e-7).
     */
    static final double F32_GRAD_TOL = 2e-4;

    /** One fused op and its composition over the same inputs (float64 on the CPU; a test moves them). */
    record Case(String name, Function<Var[], Var> fused, Function<Var[], Var> composed, String[] inputNames, Tensor... inputs) {}

    /**
     * Layer norm over {@code axis} from elementary ops: x̂ = (x − mean) · rsqrt(mean((x − mean)²) + eps), then
     * x̂ · weight + bias; weight and bias (null or) already shaped to broadcast against x.
     */
    static Var layerNormComposed(Var x, int axis, Var weight, Var bias, double eps) {
        Var centred = x.sub(x.mean(true, axis));
        Var variance = centred.mul(centred).mean(true, axis);   // biased, as LayerNorm
        Var y = centred.mul(variance.add(eps).rsqrt());
        if (weight != null) y = y.mul(weight);
        return bias == null ? y : y.add(bias);
    }

    /** silu(z) = z · sigmoid(z). */
    static Var siluComposed(Var z) { return z.mul(z.sigmoid()); }

    private static Tensor randn64(long seed, int... shape) { return LayerCheck.randn64(seed, shape); }

    private static final double EPS = 1e-5;

    /** The cases, float64 CPU inputs: several shapes, with and without the optional operands, strided inputs. */
    static List<Case> cases() {
        int n = 6, c = 8, m = 20, groups = 2;
        return List.of(
                new Case("layerNorm (3, 5, 24) weight and bias",
                        v -> v[0].layerNorm(v[1], v[2], EPS),
                        v -> layerNormComposed(v[0], 2, v[1], v[2], EPS),
                        new String[] {"x", "weight", "bias"},
                        randn64(1, 3, 5, 24).mul(3).add(0.5), randn64(2, 24), randn64(3, 24)),
                new Case("layerNorm (7, 5) strided x, weight only",
                        v -> v[0].transpose(0, 1).layerNorm(v[1], null, EPS),
                        v -> layerNormComposed(v[0].transpose(0, 1), 1, v[1], null, EPS),
                        new String[] {"x", "weight"},
                        randn64(4, 5, 7), randn64(5, 5)),
                new Case("channel layer norm (6, 8, 20) weight, bias, scale, skip (G = 2)",
                        v -> ChannelLayerNorm.apply(v[0], v[1], v[2], v[3], v[4], v[5], EPS),
                        v -> layerNormComposed(v[0], 1, v[1].reshape(1, c, 1), v[2].reshape(1, c, 1), EPS)
                                .mul(v[3].unsqueeze(1))
                                .add(v[4].reshape(n / groups, groups, c, m).mul(v[5].reshape(1, groups, c, 1)).reshape(n, c, m)),
                        new String[] {"x", "weight", "bias", "scale", "skip", "skipWeight"},
                        randn64(11, n, c, m).mul(2).add(-0.3), randn64(12, c), randn64(13, c), randn64(14, n, m),
                        randn64(15, n, c, m), randn64(16, groups, c)),
                new Case("channel layer norm (3, 5, 4) strided x, no affine, no scale",
                        v -> ChannelLayerNorm.apply(v[0].transpose(1, 2), null, null, null, EPS),
                        v -> layerNormComposed(v[0].transpose(1, 2), 1, null, null, EPS),
                        new String[] {"x"},
                        randn64(17, 3, 4, 5)),
                new Case("channel layer norm (4, 6, 9) weight and scale",
                        v -> ChannelLayerNorm.apply(v[0], v[1], null, v[2], EPS),
                        v -> layerNormComposed(v[0], 1, v[1].reshape(1, 6, 1), null, EPS).mul(v[2].unsqueeze(1)),
                        new String[] {"x", "weight", "scale"},
                        randn64(18, 4, 6, 9), randn64(19, 6), randn64(20, 4, 9)),
                new Case("gated layer norm (2, 5, 12), z a channel slice of (2, 5, 24)",
                        v -> GatedLayerNorm.apply(v[0], v[1], v[2], v[3].narrow(2, 12, 12), EPS),
                        v -> layerNormComposed(v[0], 2, v[1], v[2], EPS).mul(siluComposed(v[3].narrow(2, 12, 12))),
                        new String[] {"x", "weight", "bias", "xz"},
                        randn64(21, 2, 5, 12), randn64(22, 12), randn64(23, 12), randn64(24, 2, 5, 24).mul(2)),
                new Case("gated layer norm (9, 7) no affine",
                        v -> GatedLayerNorm.apply(v[0], null, null, v[1], EPS),
                        v -> layerNormComposed(v[0], 1, null, null, EPS).mul(siluComposed(v[1])),
                        new String[] {"x", "z"},
                        randn64(25, 9, 7), randn64(26, 9, 7).mul(2)),
                new Case("depthwise conv 3x3 + bias + SiLU (2, 4, 6, 5)",
                        v -> DepthwiseConvSilu.apply(v[0], v[1], v[2], ConvParams.of(1, 1, 1, 4)),
                        v -> siluComposed(v[0].conv2d(v[1], null, ConvParams.of(1, 1, 1, 4)).add(v[2].reshape(1, 4, 1, 1))),
                        new String[] {"x", "weight", "bias"},
                        randn64(31, 2, 4, 6, 5), randn64(32, 4, 1, 3, 3), randn64(33, 4)),
                new Case("depthwise conv 3x3 stride 2 + SiLU, no bias (1, 3, 7, 8)",
                        v -> DepthwiseConvSilu.apply(v[0], v[1], null, ConvParams.of(2, 1, 1, 3)),
                        v -> siluComposed(v[0].conv2d(v[1], null, ConvParams.of(2, 1, 1, 3))),
                        new String[] {"x", "weight"},
                        randn64(34, 1, 3, 7, 8), randn64(35, 3, 1, 3, 3)),
                new Case("depthwise conv 3x3 + bias + SiLU, 14x14 planes (2, 16, 14, 14)",
                        v -> DepthwiseConvSilu.apply(v[0], v[1], v[2], ConvParams.of(1, 1, 1, 16)),
                        v -> siluComposed(v[0].conv2d(v[1], null, ConvParams.of(1, 1, 1, 16)).add(v[2].reshape(1, 16, 1, 1))),
                        new String[] {"x", "weight", "bias"},
                        randn64(36, 2, 16, 14, 14), randn64(37, 16, 1, 3, 3), randn64(38, 16)));
    }

    /** The inputs of a case as parameters of dtype dt on a device (each a fresh copy). */
    static Var[] params(Case cs, DType dt, Device device) {
        Var[] v = new Var[cs.inputs().length];
        for (int i = 0; i < v.length; i++) v[i] = Var.param(cs.inputs()[i].to(dt).to(device).copy());
        return v;
    }

    /** A seeded output gradient of the case's output shape, float64 on the CPU. */
    static Tensor outputGradient(Case cs, long seed) {
        Var y = cs.composed().apply(params(cs, DType.F64, Device.CPU));
        return randn64(seed, y.shape());
    }

    /** Runs f forward and backward with gy; returns {output, grad of each input} on the CPU. */
    static Tensor[] run(Function<Var[], Var> f, Var[] inputs, Tensor gy) {
        Var y = f.apply(inputs);
        assertEquals(inputs[0].device(), y.device(), "the output stays on the inputs' device");
        y.backward(gy.to(y.dtype()).to(y.device()));
        Tensor[] r = new Tensor[inputs.length + 1];
        r[0] = y.value().to(Device.CPU);
        for (int i = 0; i < inputs.length; i++) {
            assertNotNull(inputs[i].grad(), "no gradient for input " + i);
            r[i + 1] = inputs[i].grad().to(Device.CPU);
        }
        return r;
    }

    /** Asserts output and every gradient of {@code actual} within the tolerances of dt of {@code expected}. */
    static void assertAgree(Case cs, DType dt, Tensor[] expected, Tensor[] actual, String what) {
        double yTol = dt == DType.F64 ? F64_TOL : F32_Y_TOL, gTol = dt == DType.F64 ? F64_TOL : F32_GRAD_TOL;
        close(expected[0], actual[0], yTol, what + " " + dt + " output");
        for (int i = 1; i < expected.length; i++) {
            assertEquals(dt, actual[i].dtype(), what + " " + dt + ": dtype of the gradient of " + cs.inputNames()[i - 1]);
            close(expected[i], actual[i], gTol, what + " " + dt + ": gradient of " + cs.inputNames()[i - 1]);
        }
    }

    /** |expected − actual| ≤ tol · max(1, max |expected|) element-wise. */
    static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double scale = 1;
        for (double v : e) scale = Math.max(scale, Math.abs(v));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (!(d <= worst) || Double.isNaN(d)) { worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d; at = i; }
        }
        double bound = tol * scale, err = worst;
        int k = at;
        assertTrue(err <= bound, () -> what + ": max |difference| " + err + " at element " + k + " (expected " + e[k]
                + ", got " + a[k] + ") exceeds " + tol + " × " + bound / tol);
    }
}
