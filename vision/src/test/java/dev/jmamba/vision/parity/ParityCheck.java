package dev.jmamba.vision.parity;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a jmamba module on a {@link ParityFixture}: loads the reference weights strictly (so every official
 * name and shape must match), runs forward and backward with the fixture's upstream gradient, and compares
 * the output, the input gradient and every parameter gradient with the reference.
 *
 * <p>Error measure, per tensor: max |actual − expected| / max |expected| (the error relative to the
 * tensor's scale, so tiny entries of a large gradient do not need tiny absolute errors).
 */
final class ParityCheck {
    private ParityCheck() {}

    /**
     * float64 on the CPU: both sides compute in float64 (unit roundoff 1.1e-16) with different summation
     * orders; sums run over at most a few thousand terms (projections, the B·L reductions of parameter
     * gradients) plus up to 196 steps of the scan recurrence, so the expected error is ~1e-14 of each
     * tensor's scale (measured worst: 7.4e-15). 1e-12 leaves a factor 100 and still catches any float32
     * rounding inside a float64 run (the float32 DCT basis GlobalMamba had gave 2.3e-8).
     */
    static final double F64_TOLERANCE = 1e-12;

    /**
     * float32 on the CPU against the float64 reference: unit roundoff 6e-8; a parameter gradient sums
     * B·L ≤ 392 products through two layers of projections, conv, scan and norms, i.e. ~10²-10³ roundings
     * of partly cancelling terms (measured worst: 2.2e-6 ≈ 40 u). 2e-5 leaves a factor 10; a wrong formula
     * gives errors of order 1.
     */
    static final double F32_TOLERANCE = 2e-5;

    /**
     * float32 on a GPU: the float32 analysis above plus the CUDA kernels' own choices — ex2.approx for exp in
     * softplus and the SiLU gate (≤ 2 ulp), atomic and tree reductions for dB/dC/dA in other orders; GEMMs in fp32 (the default precision, not TF32).
     * 1e-4 (5× the CPU bound); the gpu test prints every error so the bound can be tightened from measurements.
     */
    static final double GPU_F32_TOLERANCE = 1e-4;

    /** One compared tensor: its name and its error relative to its largest magnitude. */
    record Error(String what, double relative) {
        @Override public String toString() { return String.format("%s %.2e", what, relative); }
    }

    /** The errors of one run; {@link #max()} is the largest. */
    record Report(String fixture, DType dtype, List<Error> errors) {
        Error max() {
            return errors.stream().max((a, b) -> Double.compare(a.relative, b.relative)).orElseThrow();
        }

        /** Fails naming the worst tensors when any error exceeds {@code tolerance}. */
        void assertWithin(double tolerance) {
            List<Error> bad = errors.stream().filter(e -> !(e.relative <= tolerance)).toList();
            assertTrue(bad.isEmpty(), fixture + " (" + dtype + "): " + bad.size() + " of " + errors.size()
                    + " tensors differ from the PyTorch reference by more than " + tolerance + " of their scale: " + bad);
        }

        @Override public String toString() {
            return fixture + " " + dtype + ": " + errors.size() + " tensors, worst " + max();
        }
    }

    /**
     * @param module  a freshly built module whose state-dict names and shapes are the fixture's
     * @param forward the module's forward on the fixture input
     */
    static Report run(ParityFixture f, Module module, UnaryOperator<Var> forward, DType dtype, Device device) {
        module.to(dtype);
        module.to(device);
        module.loadStateDict(f.params(), true);
        module.eval();
        module.zeroGrad();
        Var x = Var.param(f.input().to(dtype).to(device));
        Var y = forward.apply(x);
        assertArrayEquals(f.output().shape(), y.shape(), f.name() + ": output shape");
        y.backward(f.gout().to(dtype).to(device));
        List<Error> errors = new ArrayList<>();
        errors.add(compare("output", f.output(), y.value()));
        errors.add(compare("grad input", f.inputGrad(), x.grad()));
        Map<String, Parameter> params = module.namedParameters();
        for (var e : params.entrySet()) {
            assertTrue(f.hasGrad(e.getKey()), f.name() + ": the reference has no gradient for " + e.getKey());
            errors.add(compare("grad " + e.getKey(), f.grad(e.getKey()), e.getValue().var().grad()));
        }
        assertEquals(f.tensors().keySet().stream().filter(k -> k.startsWith("grad/")).count() - 1, params.size(),
                f.name() + ": parameter count differs from the reference");
        Report r = new Report(f.name(), dtype, errors);
        System.out.println("parity " + r);
        return r;
    }

    private static Error compare(String what, Tensor expected, Tensor actual) {
        if (actual == null) return new Error(what + " (missing)", Double.POSITIVE_INFINITY);
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.to(Device.CPU).toDoubleArray();
        double scale = 0, err = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            err = Math.max(err, Math.abs(a[i] - e[i]));
            if (Double.isNaN(a[i])) err = Double.POSITIVE_INFINITY;
        }
        if (scale == 0) return new Error(what + " (reference all zero, abs)", err);
        return new Error(what, err / scale);
    }

    static String shape(int[] s) { return Arrays.toString(s); }
}
