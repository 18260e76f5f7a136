package dev.jmamba.nn;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Gradient checks of a layer in float64: the input gradient through {@link GradCheck}, and every
 * parameter gradient against central differences of L(θ) = Σ R ⊙ forward(x) for a fixed random
 * projection R (perturbing the parameter in place with {@link Parameter#set}).
 */
final class LayerCheck {
    private LayerCheck() {}

    // Central differences in F64 with h = 1e-6 have truncation error O(h²·f''') ≈ 1e-12 and
    // round-off ≈ 1e-16·|L|/h ≈ 1e-10 for |L| ~ 1, so 1e-6 absolute + 1e-5 relative leaves a wide margin.
    static final double H = 1e-6, ATOL = 1e-6, RTOL = 1e-5;

    /** Converts the layer to F64, checks d/dx and d/dθ for every parameter. */
    static void check(Layer layer, Tensor input /* any shape, F64 */) {
        layer.to(DType.F64);
        GradCheck.check(v -> layer.forward(v[0]), input);
        Tensor y = layer.forward(Var.of(input)).value();
        Tensor r = Tensor.random(RandomKind.NORMAL, 99, 0, 1, DType.F64, Device.CPU, y.shape()); // projection, shape of y
        for (Map.Entry<String, Parameter> e : layer.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            layer.zeroGrad();
            layer.forward(Var.of(input)).mul(Var.of(r)).sum().backward();
            double[] analytic = p.grad().toDoubleArray();
            double[] theta = p.value().toDoubleArray();
            for (int i = 0; i < theta.length; i++) {
                double saved = theta[i];
                theta[i] = saved + H;
                p.set(Tensor.of(theta, p.shape()));
                double plus = projected(layer, input, r);
                theta[i] = saved - H;
                p.set(Tensor.of(theta, p.shape()));
                double minus = projected(layer, input, r);
                theta[i] = saved;
                p.set(Tensor.of(theta, p.shape()));
                double numeric = (plus - minus) / (2 * H);
                assertEquals(numeric, analytic[i], ATOL + RTOL * Math.abs(numeric), e.getKey() + "[" + i + "]");
            }
        }
    }

    private static double projected(Layer layer, Tensor input, Tensor r) {
        return layer.forward(Var.of(input)).value().mul(r).sum().item();
    }

    /** A seeded F64 normal tensor. */
    static Tensor randn64(long seed, int... shape) {
        return Tensor.random(RandomKind.NORMAL, seed, 0, 1, DType.F64, Device.CPU, shape);
    }
}
