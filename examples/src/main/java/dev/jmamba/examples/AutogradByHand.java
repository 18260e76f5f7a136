package dev.jmamba.examples;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.io.PrintStream;

/**
 * <b>How to run:</b> {@code ./jmamba example autograd-by-hand [--steps 300]}
 *
 * <p>Reverse-mode autograd with {@code Var}, micrograd style: a two-layer net
 * {@code logits = tanh(x W1 + b1) W2 + b2} learns XOR-like quadrants of the plane. Every op on a
 * {@code Var} records a node; {@code loss.backward()} walks the nodes in reverse and leaves dL/dp in
 * every parameter's {@code grad()}. Before training, the example perturbs a few weights by ±ε and
 * prints the finite-difference slope (L(p+ε) − L(p−ε)) / 2ε next to the autograd gradient, then lets
 * {@link GradCheck} do the same for every element. Then it trains with plain gradient descent
 * written out by hand (p ← p − lr·grad) and checks that the net fits the data.
 */
public final class AutogradByHand {
    private AutogradByHand() {}

    static final int POINTS = 64, HIDDEN = 8;

    public static void main(String[] args) {
        run(System.out, args);
    }

    /** Runs the example; returns the final training accuracy. Throws {@link ExampleFailure} when a check fails. */
    public static double run(PrintStream out, String... args) {
        int steps = ExampleArgs.parse("autograd-by-hand", args, "steps").integer("steps", 300);
        // data: points in [-1, 1]², label 1 where x·y > 0 (quadrants I and III): not linearly separable
        Tensor x = Tensor.random(RandomKind.UNIFORM, 1, -1, 1, DType.F64, Device.CPU, POINTS, 2);   // (P, 2)
        double[] xs = x.toDoubleArray();
        int[] labels = new int[POINTS];                                                              // (P)
        for (int i = 0; i < POINTS; i++) labels[i] = xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0;
        // parameters: float64 so finite differences are accurate; scaled normal init
        Var w1 = Var.param(Tensor.random(RandomKind.NORMAL, 2, 0, 1.0, DType.F64, Device.CPU, 2, HIDDEN));       // (2, H)
        Var b1 = Var.param(Tensor.zeros(DType.F64, Device.CPU, HIDDEN));                                       // (H)
        Var w2 = Var.param(Tensor.random(RandomKind.NORMAL, 3, 0, 0.5, DType.F64, Device.CPU, HIDDEN, 2));     // (H, 2)
        Var b2 = Var.param(Tensor.zeros(DType.F64, Device.CPU, 2));                                            // (2)
        Var[] params = {w1, b1, w2, b2};
        String[] names = {"W1", "b1", "W2", "b2"};

        // 1. one forward and backward, and the slopes by finite differences for a few elements
        Var loss = loss(x, labels, params);
        loss.backward();
        out.printf("initial loss %.6f; gradients by autograd vs central differences (eps 1e-6):%n", loss.value().item());
        out.printf("  %-9s %16s %16s %10s%n", "element", "autograd", "numeric", "|diff|");
        double eps = 1e-6, worst = 0;
        for (int p = 0; p < params.length; p++) {
            Tensor value = params[p].value();
            Tensor flat = value.view(value.numel());
            double[] grad = params[p].grad().toDoubleArray();
            for (int j = 0; j < Math.min(3, value.numel()); j++) {
                double original = flat.narrow(0, j, 1).item();
                double plus = lossAt(flat, j, original + eps, x, labels, params);
                double minus = lossAt(flat, j, original - eps, x, labels, params);
                flat.narrow(0, j, 1).fill(original);                            // restore exactly
                double numeric = (plus - minus) / (2 * eps);
                worst = Math.max(worst, Math.abs(numeric - grad[j]));
                out.printf("  %-9s %16.10f %16.10f %10.2e%n", names[p] + "[" + j + "]", grad[j], numeric, Math.abs(numeric - grad[j]));
            }
        }
        // central differences in float64 err by ~eps² |L'''| + 1e-16 |L| / eps ≈ 1e-10 here; a wrong rule is off by O(1)
        Checks.close(out, "printed slopes: autograd = finite differences", 0, worst, 1e-7);
        // the library's check does the same for every element of every input, and throws on a mismatch
        GradCheck.check(v -> loss(x, labels, v), w1.value(), b1.value(), w2.value(), b2.value());
        out.printf("check %-58s ok%n", "GradCheck: every element of W1, b1, W2, b2");

        // 2. training: full-batch gradient descent, the update written out
        double lr = 0.5, first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < steps; step++) {
            for (Var p : params) p.zeroGrad();
            Var l = loss(x, labels, params);
            l.backward();
            try (var noGrad = Autograd.noGrad()) {                                // updates are not part of the graph
                for (Var p : params) p.setValue(p.value().sub(p.grad().mul(lr)));   // p <- p - lr * dL/dp
            }
            last = l.value().item();
            if (step == 0) first = last;
            if (step % Math.max(1, steps / 6) == 0 || step == steps - 1) out.printf("step %4d  loss %.4f%n", step, last);
        }
        double accuracy = accuracy(x, labels, params);
        out.printf("training accuracy %.3f after %d steps%n", accuracy, steps);
        Checks.that(out, "the loss went down", last < first, String.format("%.4f -> %.4f", first, last));
        if (steps >= 300) {
            // with 8 tanh units the quadrant problem is fit almost exactly; 0.9 leaves room for points near the axes
            Checks.that(out, "training accuracy >= 0.9", accuracy >= 0.9, String.format("%.3f", accuracy));
        }
        return accuracy;
    }

    /** Mean cross-entropy of the two-layer net on the whole data set. */
    static Var loss(Tensor x, int[] labels, Var... p) {
        Var hidden = Var.of(x).matmul(p[0]).add(p[1]).tanh();            // (P, H)
        Var logits = hidden.matmul(p[2]).add(p[3]);                       // (P, 2)
        return Losses.crossEntropy(logits, labels, 0.0);                  // ()
    }

    /** The loss with element j of {@code flat} (a view of one parameter) set to {@code v}, without recording. */
    private static double lossAt(Tensor flat, int j, double v, Tensor x, int[] labels, Var[] params) {
        flat.narrow(0, j, 1).fill(v);
        try (var noGrad = Autograd.noGrad()) {
            return loss(x, labels, params).value().item();
        }
    }

    private static double accuracy(Tensor x, int[] labels, Var[] p) {
        try (var noGrad = Autograd.noGrad()) {
            Var logits = Var.of(x).matmul(p[0]).add(p[1]).tanh().matmul(p[2]).add(p[3]);
            int[] predicted = logits.value().argmax(1, false).toIntArray();
            int right = 0;
            for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) right++;
            return right / (double) labels.length;
        }
    }
}
