package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Gradchecks of layerNorm / rmsNorm with and without affine parameters, and F32 against F64. */
class NormGradTest {

    @Test
    void layerNormWithWeightAndBias() {
        GradCheck.check(v -> v[0].layerNorm(v[1], v[2], 1e-5), randn(1, 2, 3, 6).mul(2).add(1), randn(2, 6), randn(3, 6));
    }

    @Test
    void layerNormWithoutAffineOnNonContiguousInput() {
        GradCheck.check(v -> v[0].layerNorm(null, null, 1e-5), transposed(4, 5, 4));
        GradCheck.check(v -> v[0].layerNorm(v[1], null, 1e-3), transposed(5, 5, 4), randn(6, 4));
    }

    /** The fused backward (one backend pass) equals the rule composed of tensor ops, in float64. */
    @Test
    void fusedLayerNormBackwardEqualsTheComposedRule() {
        Tensor x = randn(20, 3, 5, 12).mul(3).add(0.5), w = randn(21, 12), b = randn(22, 12), gy = randn(23, 3, 5, 12);
        Tensor[] fwd = x.backend().layerNorm(x, w, b, 1e-5);
        for (boolean[] needs : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, true}}) {
            Tensor[] fused = dev.jmamba.autograd.rules.NormRules.layerNorm(x, w, fwd[1], fwd[2]).backward(gy, needs);
            Tensor[] composed = dev.jmamba.autograd.rules.NormRules.layerNormComposite(x, w, fwd[1], fwd[2]).backward(gy, needs);
            for (int i = 0; i < 3; i++) {
                if (!needs[i]) continue;
                double[] a = fused[i].toDoubleArray(), c = composed[i].toDoubleArray();
                for (int k = 0; k < a.length; k++) {
                    assertTrue(Math.abs(a[k] - c[k]) <= 1e-12 * (1 + Math.abs(c[k])),   // float64, summation order only
                            "input " + i + " element " + k + ": fused " + a[k] + ", composed " + c[k]);
                }
            }
        }
    }

    @Test
    void rmsNorm() {
        GradCheck.check(v -> v[0].rmsNorm(v[1], 1e-5), randn(7, 2, 3, 6), randn(8, 6));
        GradCheck.check(v -> v[0].rmsNorm(null, 1e-6), transposed(9, 5, 4));
    }

    /** The rules run in the input dtype: F32 gradients match F64 ones to F32 precision. */
    @Test
    void float32GradientsMatchFloat64() {
        Tensor x = randn(10, 4, 8), w = randn(11, 8), b = randn(12, 8), gy = randn(13, 4, 8);
        assertClose(v -> v[0].layerNorm(v[1], v[2], 1e-5), gy, x, w, b);
        assertClose(v -> v[0].rmsNorm(v[1], 1e-5), gy, x, w);
    }

    private static void assertClose(Function<Var[], Var> f, Tensor gy, Tensor... inputs) {
        Var[] v64 = new Var[inputs.length], v32 = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            v64[i] = Var.param(inputs[i]);
            v32[i] = Var.param(inputs[i].to(DType.F32));
        }
        f.apply(v64).backward(gy);
        f.apply(v32).backward(gy.to(DType.F32));
        for (int i = 0; i < inputs.length; i++) {
            assertTrue(v32[i].grad().dtype() == DType.F32);
            // F32 rounding (~6e-8 relative) over sums of 8-32 terms of O(1): 1e-4 absolute is ample
            double err = v32[i].grad().to(DType.F64).maxAbsDiff(v64[i].grad());
            assertTrue(err < 1e-4, "input " + i + ": F32 vs F64 gradient differs by " + err);
        }
    }
}
