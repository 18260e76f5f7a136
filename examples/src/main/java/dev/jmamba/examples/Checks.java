package dev.jmamba.examples;

import java.io.PrintStream;

/**
 * The closing checks of the examples: each prints one line ("check … ok") and throws
 * {@link ExampleFailure} when the claim does not hold, so a broken example fails loudly — in the
 * test suite and on the command line (exit 1).
 */
public final class Checks {
    private Checks() {}

    /** |expected − actual| ≤ tol, elementwise; {@code tol} is stated by the caller with its reason. */
    public static void close(PrintStream out, String what, double[] expected, double[] actual, double tol) {
        if (expected.length != actual.length) {
            throw new ExampleFailure(what + ": expected " + expected.length + " numbers, got " + actual.length);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (!(err <= worst)) { worst = err; at = i; }          // NaN counts as the worst
        }
        if (!(worst <= tol)) {
            throw new ExampleFailure(what + ": element " + at + " is " + actual[at] + ", expected " + expected[at]
                    + " (|error| " + worst + " > tolerance " + tol + ")");
        }
        out.printf("check %-58s ok (max |error| %.2e <= %.0e)%n", what, worst, tol);
    }

    /** A single number within tol. */
    public static void close(PrintStream out, String what, double expected, double actual, double tol) {
        close(out, what, new double[] {expected}, new double[] {actual}, tol);
    }

    /** A condition that must hold; {@code detail} says what was measured. */
    public static void that(PrintStream out, String what, boolean holds, String detail) {
        if (!holds) throw new ExampleFailure(what + " does not hold: " + detail);
        out.printf("check %-58s ok (%s)%n", what, detail);
    }
}
