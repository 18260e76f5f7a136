package dev.jmamba.examples;

import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.SelectiveScan;
import dev.jmamba.ssm.kernel.ScanArgsF64;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.ssm.kernel.SelectiveScanReference;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.io.PrintStream;

/**
 * <b>How to run:</b> {@code ./jmamba example scan-by-hand [--device cuda]}
 *
 * <p>The selective scan (S6) of Mamba (Gu &amp; Dao 2023, eq. 2a–2b with the discretisation of eq. 4,
 * Algorithm 2) on the worked example of {@code ssm/README.md}: one channel, N = 2 states, L = 4
 * positions. It prints dt, a = exp(dt·A), h and y at every position next to the equation that
 * produced them, then checks that the README's hand-computed table, the frozen float64 reference
 * ({@code SelectiveScanReference}) and the fast kernel of the chosen device (through the autograd op
 * {@code SelectiveScan.scan}) all give the same numbers — and the same two gradients.
 */
public final class ScanByHand {
    private ScanByHand() {}

    private static final double LN2 = Math.log(2);
    // the worked example: B = 1 batch row, D = 1 channel, N = 2 states, L = 4 positions, G = 1 group
    static final double[] U = {2, 1, 1, 0};                             // (L) input
    static final double[] DELTA = {1, 1, 2, 1};                         // (L) step: no bias, no softplus, so dt = delta
    static final double[] A = {-LN2, -2 * LN2};                         // (N) decay rates: exp(A) = (1/2, 1/4)
    static final double[][] BM = {{1, 1}, {1, -1}, {0.5, 2}, {1, 1}};   // (L, N) input matrix B per position
    static final double[][] CM = {{1, 1}, {1, 2}, {2, 0}, {1, 1}};      // (L, N) output matrix C per position
    static final double D_SKIP = 1;                                     // skip weight D
    /** out at each position, computed by hand in ssm/README.md. */
    static final double[] README_OUT = {6, 2, 4, 1.7421875};

    public static void main(String[] args) {
        run(System.out, args);
    }

    /** Runs the example, printing to {@code out}; throws {@link ExampleFailure} when a check fails. */
    public static void run(PrintStream out, String... args) {
        Device device = ExampleArgs.parse("scan-by-hand", args, "device").device();
        int len = U.length, n = A.length;
        out.println("Selective scan by hand: one channel, N = 2 states, L = 4 positions (ssm/README.md)");
        out.println("  dt[l]   = delta[l]                    (the example skips softplus and the bias)");
        out.println("  a[l]    = exp(dt[l] * A)              zero-order hold of A (Mamba eq. 4)");
        out.println("  bu[l]   = dt[l] * B[l] * u[l]         Euler step for B, as the official kernel");
        out.println("  h[l]    = a[l] * h[l-1] + bu[l]       the recurrence (eq. 2a), h[-1] = 0");
        out.println("  out[l]  = sum_n C[l,n] h[l,n] + D u[l]  readout (eq. 2b) plus the skip");
        out.println();
        out.printf("%2s %5s %4s  %-18s %-14s %-24s %10s%n", "l", "u", "dt", "a = exp(dt*A)", "bu = dt*B*u", "h = a*h[l-1] + bu", "out");
        double[][] h = new double[len][n];                                   // (L, N) every state
        double[] outByHand = new double[len];                                // (L)
        double[] prev = new double[n];                                       // h[l-1], zero before the start
        for (int l = 0; l < len; l++) {
            double dt = DELTA[l];
            double[] a = new double[n], bu = new double[n];
            double y = 0;
            for (int s = 0; s < n; s++) {
                a[s] = Math.exp(dt * A[s]);                                  // a = exp(dt * A)
                bu[s] = dt * BM[l][s] * U[l];                                // bu = dt * B * u
                h[l][s] = a[s] * prev[s] + bu[s];                            // h = a * h[l-1] + bu
                y += CM[l][s] * h[l][s];                                     // y = sum_n C * h
            }
            outByHand[l] = y + D_SKIP * U[l];                                // out = y + D * u
            prev = h[l];
            out.printf("%2d %5.1f %4.1f  (%6.4f, %6.4f)   (%4.1f, %4.1f)   (%7.4f, %10.7f)  %10.7f%n",
                    l, U[l], dt, a[0], a[1], bu[0], bu[1], h[l][0], h[l][1], outByHand[l]);
        }
        out.println();

        // 1. the loop above against the README's table (binary fractions: float64 is exact up to exp's rounding)
        Checks.close(out, "by hand = README table (float64)", README_OUT, outByHand, 1e-12);

        // 2. the frozen float64 reference, which stores every state
        SelectiveScanReference.Forward ref = SelectiveScanReference.forward(argsF64());
        Checks.close(out, "reference out = by hand (float64)", outByHand, ref.out(), 1e-12);
        Checks.close(out, "reference states h = by hand (float64)", flatten(h), ref.states(), 1e-12);

        // 3. the fast kernel of the device, in float32, through the autograd op (one node, fused backward)
        Var u = input(U, device, 1, 1, len);                                 // (B, D, L)
        Var delta = input(DELTA, device, 1, 1, len);                         // (B, D, L)
        Var aVar = input(A, device, 1, n);                                   // (D, N)
        Var b = input(byState(BM), device, 1, n, len);                       // (B, N, L)
        Var c = input(byState(CM), device, 1, n, len);                       // (B, N, L)
        Var d = input(new double[] {D_SKIP}, device, 1);                     // (D)
        Var fast = SelectiveScan.scan(u, delta, aVar, b, c, d, null, null, false);
        // float32 carries 24 bits: the outputs are below 8, so a few ulp are ~1e-6; 1e-5 leaves room for exp
        Checks.close(out, "fast kernel on " + device + " = by hand (float32)", outByHand, fast.value().toDoubleArray(), 1e-5);

        // 4. gradients of sum(out): dC[n, l] = h[l, n] and dD = sum_l u[l] (README), against the fused backward
        fast.backward(Tensor.full(1, fast.dtype(), device, fast.shape()));
        Checks.close(out, "dC = h, from the fused backward (float32)", byState(h), c.grad().toDoubleArray(), 1e-5);
        Checks.close(out, "dD = sum of u = 4, from the fused backward", 4.0, d.grad().toDoubleArray()[0], 1e-5);
        out.println("All checks passed: the equations, the reference and the " + device + " kernel agree.");
    }

    /** The example as the reference kernel's float64 arguments (B, G, N, L layouts for B and C). */
    static ScanArgsF64 argsF64() {
        return new ScanArgsF64(new ScanShape(1, 1, U.length, A.length, 1), U.clone(), DELTA.clone(), A.clone(),
                byState(BM), byState(CM), new double[] {D_SKIP}, null, null, false);
    }

    /** (L, N) rows → the (N, L) layout of the kernels' B and C, flattened. */
    static double[] byState(double[][] perPosition) {
        int len = perPosition.length, n = perPosition[0].length;
        double[] flat = new double[n * len];
        for (int l = 0; l < len; l++) for (int s = 0; s < n; s++) flat[s * len + l] = perPosition[l][s];
        return flat;
    }

    private static double[] flatten(double[][] rows) {
        int cols = rows[0].length;
        double[] flat = new double[rows.length * cols];
        for (int r = 0; r < rows.length; r++) System.arraycopy(rows[r], 0, flat, r * cols, cols);
        return flat;
    }

    /** A float32 parameter on {@code device} holding {@code values} in {@code shape}. */
    private static Var input(double[] values, Device device, int... shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        return Var.param(Tensor.of(f, shape).to(device));
    }
}
