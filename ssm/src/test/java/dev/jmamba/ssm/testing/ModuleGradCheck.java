package dev.jmamba.ssm.testing;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Central-difference check of a float64 module's gradients with respect to its input and every
 * parameter: L = Σ forward(x) · r for a fixed random r, analytic dL/dθ from one backward, numeric
 * (L(θ+ε) − L(θ−ε)) / 2ε with ε = 1e-6. Tolerance |a − n| ≤ 1e-5 + 1e-4·|n|: in float64 the
 * difference quotient errs by ~1e-10·|L| (rounding) + ε²·|L'''| (truncation), far below that,
 * while a wrong backward rule is off by O(1).
 */
public final class ModuleGradCheck {
    private ModuleGradCheck() {}

    public static void check(Module module, Function<Var, Var> forward, Tensor x) {
        Var input = Var.param(x);
        Var out = forward.apply(input);
        Tensor r = Tensor.random(RandomKind.NORMAL, 77, 0, 1, DType.F64, out.device(), out.shape());
        out.backward(r);
        Map<String, Tensor[]> checked = new LinkedHashMap<>();                 // name -> {value, analytic grad}
        checked.put("input", new Tensor[] {x, input.grad()});
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            checked.put(e.getKey(), new Tensor[] {e.getValue().value(), e.getValue().grad()});
        }
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Tensor[]> e : checked.entrySet()) {
            Tensor value = e.getValue()[0];
            Tensor grad = e.getValue()[1];
            double[] analytic = grad == null ? new double[value.numel()] : grad.toDoubleArray();
            double[] original = value.toDoubleArray();
            Tensor flat = value.view(value.numel());
            for (int j = 0; j < original.length; j++) {
                Tensor element = flat.narrow(0, j, 1);
                element.fill(original[j] + 1e-6);
                double plus = loss(forward, x, r);
                element.fill(original[j] - 1e-6);
                double minus = loss(forward, x, r);
                element.fill(original[j]);
                double numeric = (plus - minus) / 2e-6;
                if (!(Math.abs(analytic[j] - numeric) <= 1e-5 + 1e-4 * Math.abs(numeric)) && failures.size() < 10) {
                    failures.add(e.getKey() + "[" + j + "]: analytic " + analytic[j] + ", numeric " + numeric);
                }
            }
        }
        if (!failures.isEmpty()) throw new AssertionError("module gradcheck failed:\n" + String.join("\n", failures));
    }

    private static double loss(Function<Var, Var> forward, Tensor x, Tensor r) {
        try (var g = Autograd.noGrad()) {
            return forward.apply(Var.of(x)).value().mul(r).sum().item();
        }
    }
}
