package dev.jmamba.autograd;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Checks autograd gradients against central finite differences in float64.
 *
 * <p>The output of {@code f} (any shape) is reduced to the scalar L = Σ out · R with a fixed
 * random tensor R, so every output element matters. The analytic gradient comes from
 * {@code out.backward(R)}; the numeric one perturbs each input element by ±eps:
 * dL/dx ≈ (L(x + eps) - L(x - eps)) / (2 eps). Floating-point inputs are checked (they become
 * parameters); I32/I64 inputs are passed as constants. Inputs are perturbed in place and
 * restored exactly, so non-contiguous inputs (transposed, sliced) keep their layout; broadcast
 * (stride-0) inputs and inputs sharing storage are rejected, since an element of them is not
 * one independent variable.
 *
 * <p>The analytic pass runs {@code f} inside an {@link Activations#region}, which frees every
 * tensor of the forward pass that no recorded node declared as saved: a rule that reads an
 * undeclared tensor fails its gradient check with "expected a live tensor".
 */
public final class GradCheck {
    private GradCheck() {}

    private static final long PROJECTION_SEED = 0x5EEDL;

    /**
     * Defaults eps 1e-6, atol 1e-5, rtol 1e-4. Central differences err by about
     * eps²·|f'''|/6 ≈ 1e-13 (truncation) plus 1e-16·|L|/eps ≈ 1e-10·|L| (rounding); for test
     * outputs with |L| up to ~1e3 that is ≤ 1e-7, two orders below atol, while a wrong rule is
     * off by O(1) relative.
     */
    public static void check(Function<Var[], Var> f, Tensor... inputs) { check(f, 1e-6, 1e-5, 1e-4, inputs); }

    /** Throws AssertionError listing the worst elements when |analytic - numeric| > atol + rtol |numeric|. */
    public static void check(Function<Var[], Var> f, double eps, double atol, double rtol, Tensor... inputs) {
        validate(inputs);
        Var[] vars = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) vars[i] = inputs[i].dtype().isFloating() ? Var.param(inputs[i]) : Var.of(inputs[i]);
        Var out = Activations.region(() -> f.apply(vars));
        if (!out.requiresGrad()) throw new AssertionError("GradCheck: the output does not depend on any floating-point input");
        Tensor projection = Tensor.random(RandomKind.NORMAL, PROJECTION_SEED, 0, 1, DType.F64, out.device(), out.shape());
        double[] r = projection.toDoubleArray();
        out.backward(projection);

        List<String> failures = new ArrayList<>();
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) continue;
            Tensor x = inputs[i];
            int[] shape = x.shape();
            double[] analytic = vars[i].grad() == null ? new double[x.numel()] : vars[i].grad().toDoubleArray();
            double[] original = x.toDoubleArray();
            for (int j = 0; j < original.length; j++) {
                Tensor element = element(x, shape, j);
                element.fill(original[j] + eps);
                double plus = project(f, inputs, r);
                element.fill(original[j] - eps);
                double minus = project(f, inputs, r);
                element.fill(original[j]);
                double numeric = (plus - minus) / (2 * eps);
                double abs = Math.abs(analytic[j] - numeric);
                maxAbs = Math.max(maxAbs, abs);
                maxRel = Math.max(maxRel, abs / Math.max(Math.abs(numeric), atol)); // relative, floored at atol
                if (!(abs <= atol + rtol * Math.abs(numeric)) && failures.size() < 10) {
                    failures.add(String.format("  input %d %s element %s: analytic %.10g, numeric %.10g, abs err %.3g",
                            i, Shapes.str(shape), Shapes.str(unravel(shape, j)), analytic[j], numeric, abs));
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.format("GradCheck failed (eps %g, atol %g, rtol %g): max abs err %.3g, max rel err %.3g%n%s",
                    eps, atol, rtol, maxAbs, maxRel, String.join("\n", failures)));
        }
    }

    /** L = Σ f(inputs) · r, evaluated without recording. */
    private static double project(Function<Var[], Var> f, Tensor[] inputs, double[] r) {
        try (var g = Autograd.noGrad()) {
            Var[] constants = new Var[inputs.length];
            for (int i = 0; i < inputs.length; i++) constants[i] = Var.of(inputs[i]);
            double[] y = f.apply(constants).value().toDoubleArray();
            double s = 0;
            for (int k = 0; k < y.length; k++) s += y[k] * r[k];
            return s;
        }
    }

    /** A one-element view of element {@code j} (row-major position) of x. */
    private static Tensor element(Tensor x, int[] shape, int j) {
        int[] idx = unravel(shape, j);
        Tensor v = x;
        for (int d = 0; d < idx.length; d++) v = v.narrow(d, idx[d], 1);
        return v;
    }

    private static int[] unravel(int[] shape, int j) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = j % shape[d];
            j /= shape[d];
        }
        return idx;
    }

    private static void validate(Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = inputs[i];
            if (x.dtype().isFloating() && x.dtype() != DType.F64) {
                throw new JmambaException("GradCheck: expected F64 (or index) inputs, got " + x.dtype() + " for input " + i);
            }
            int[] s = x.shape(), st = x.strides();
            for (int d = 0; d < s.length; d++) {
                if (s[d] > 1 && st[d] == 0) {
                    throw new JmambaException("GradCheck: expected inputs without broadcast (stride-0) dims, got strides "
                            + Shapes.str(st) + " for input " + i + " of shape " + Shapes.str(s));
                }
            }
            for (int k = 0; k < i; k++) {
                if (x.dtype().isFloating() && inputs[k].storage() == x.storage()) {
                    throw new JmambaException("GradCheck: inputs " + k + " and " + i + " share storage; pass copies");
                }
            }
        }
    }
}
