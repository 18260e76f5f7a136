package dev.jmamba.ssm.kernel;

/**
 * The frozen float64 reference of the selective scan (S6), written loop by loop with one line per
 * equation of {@code spec/selective-scan.md} §2 (forward) and §3 (backward), i.e. [Mamba] eq. 2a–2b with
 * the discretisation of eq. 4 and the selection of Algorithm 2 (docs/REFERENCES.md). It stores every
 * intermediate (dt, exp(dt·A), all hidden states h, the adjoint g): clarity over memory and speed.
 * Never optimise this class; fast kernels are checked against it.
 */
public final class SelectiveScanReference {

    private SelectiveScanReference() {}

    /**
     * The forward result.
     *
     * @param out       (B, D, L) gated output
     * @param lastState (B, D, N) h at l = L-1
     * @param states    (B, D, L, N) every hidden state h
     */
    public record Forward(double[] out, double[] lastState, double[] states) {}

    /** softplus as the CUDA kernel computes it: {@code x <= 20 ? log1p(exp(x)) : x}. */
    static double softplus(double x) { return x <= 20 ? Math.log1p(Math.exp(x)) : x; }

    /** d softplus / dx: sigmoid(x) for x <= 20, else 1 (the identity branch). */
    static double softplusGrad(double x) { return x <= 20 ? sigmoid(x) : 1.0; }

    static double sigmoid(double x) { return 1.0 / (1.0 + Math.exp(-x)); }

    /** All forward intermediates, (B, D, L) or (B, D, L, N), kept for the backward pass. */
    private record Trace(double[] dt, double[] decay, double[] h, double[] y0, double[] out) {}

    /** Runs the scan forward (spec §2). */
    public static Forward forward(ScanArgsF64 args) {
        Trace t = trace(args);
        ScanShape s = args.shape();
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state();
        double[] lastState = new double[B * D * N];                                    // (B, D, N)
        for (int b = 0; b < B; b++)
            for (int d = 0; d < D; d++)
                for (int n = 0; n < N; n++)
                    lastState[(b * D + d) * N + n] = t.h[((b * D + d) * L + (L - 1)) * N + n];   // h[:, :, L-1, :]
        return new Forward(t.out, lastState, t.h);
    }

    private static Trace trace(ScanArgsF64 a) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state(), G = s.groups();
        double[] dt = new double[B * D * L];            // (B, D, L)
        double[] decay = new double[B * D * L * N];     // (B, D, L, N) a = exp(dt * A)
        double[] h = new double[B * D * L * N];         // (B, D, L, N) hidden states
        double[] y0 = new double[B * D * L];            // (B, D, L) pre-gate output
        double[] out = new double[B * D * L];           // (B, D, L)
        for (int b = 0; b < B; b++) {
            for (int d = 0; d < D; d++) {
                int g = s.groupOf(d);
                for (int l = 0; l < L; l++) {
                    int i = (b * D + d) * L + l;                                     // index into (B, D, L)
                    double x = a.delta()[i] + (a.deltaBias() != null ? a.deltaBias()[d] : 0.0);
                    dt[i] = a.deltaSoftplus() ? softplus(x) : x;                     // dt = softplus(delta + bias)
                    double y = 0;
                    for (int n = 0; n < N; n++) {
                        int j = i * N + n;                                           // index into (B, D, L, N)
                        int bc = ((b * G + g) * N + n) * L + l;                      // index into (B, G, N, L)
                        double hPrev = l == 0 ? 0.0 : h[j - N];                      // h[l-1], 0 before the start
                        decay[j] = Math.exp(dt[i] * a.A()[d * N + n]);               // a = exp(dt * A)
                        double bu = dt[i] * a.Bm()[bc] * a.u()[i];                   // bu = dt * B * u
                        h[j] = decay[j] * hPrev + bu;                                // h[l] = a * h[l-1] + bu
                        y += a.Cm()[bc] * h[j];                                      // y = sum_n C * h
                    }
                    y0[i] = y + (a.dSkip() != null ? a.dSkip()[d] * a.u()[i] : 0.0);    // y0 = y + Dskip * u
                    out[i] = a.z() != null ? y0[i] * a.z()[i] * sigmoid(a.z()[i]) : y0[i]; // out = y0 * silu(z)
                }
            }
        }
        return new Trace(dt, decay, h, y0, out);
    }

    /**
     * Gradients of {@code sum(gout * out)} with respect to every input (spec §3). Recomputes the
     * forward and stores all states.
     *
     * @param gout (B, D, L) gradient of the loss with respect to out
     */
    public static ScanGradsF64 backward(ScanArgsF64 a, double[] gout) {
        ScanShape s = a.shape();
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state(), G = s.groups();
        ScanShape.requireLength("gout", "(B, D, L)", gout == null ? -1 : gout.length, false, B, D, L);
        Trace t = trace(a);
        double[] gy = new double[B * D * L];                                 // (B, D, L) grad into y0
        double[] dz = a.z() != null ? new double[B * D * L] : null;          // (B, D, L)
        double[] du = new double[B * D * L];                                 // (B, D, L)
        double[] ddelta = new double[B * D * L];                             // (B, D, L)
        double[] dA = new double[D * N];                                     // (D, N)
        double[] dB = new double[B * G * N * L];                             // (B, G, N, L)
        double[] dC = new double[B * G * N * L];                             // (B, G, N, L)
        double[] dDskip = a.dSkip() != null ? new double[D] : null;          // (D)
        double[] ddeltaBias = a.deltaBias() != null ? new double[D] : null;  // (D)
        double[] adj = new double[B * D * L * N];                            // (B, D, L, N) adjoint g of h
        for (int b = 0; b < B; b++) {
            for (int d = 0; d < D; d++) {
                int g = s.groupOf(d);
                // gate and skip
                for (int l = 0; l < L; l++) {
                    int i = (b * D + d) * L + l;
                    if (a.z() != null) {
                        double zi = a.z()[i], sz = sigmoid(zi);
                        dz[i] = gout[i] * t.y0[i] * sz * (1 + zi * (1 - sz));    // dz = gout * y0 * d silu(z)
                        gy[i] = gout[i] * zi * sz;                               // gy = gout * silu(z)
                    } else {
                        gy[i] = gout[i];                                         // gy = gout
                    }
                    if (dDskip != null) dDskip[d] += gy[i] * a.u()[i];           // dDskip = sum_{b,l} gy * u
                    du[i] = a.dSkip() != null ? a.dSkip()[d] * gy[i] : 0.0;      // du = Dskip * gy (partial)
                }
                // adjoint recurrence, reverse time: g[l] = gy[l] C[l] + a[l+1] g[l+1]
                for (int l = L - 1; l >= 0; l--) {
                    int i = (b * D + d) * L + l;
                    for (int n = 0; n < N; n++) {
                        int j = i * N + n;
                        int bc = ((b * G + g) * N + n) * L + l;
                        double next = l == L - 1 ? 0.0 : t.decay[j + N] * adj[j + N];  // a[l+1] * g[l+1]
                        adj[j] = gy[i] * a.Cm()[bc] + next;
                    }
                }
                // local gradients
                for (int l = 0; l < L; l++) {
                    int i = (b * D + d) * L + l;
                    double ddt = 0;
                    for (int n = 0; n < N; n++) {
                        int j = i * N + n;
                        int bc = ((b * G + g) * N + n) * L + l;
                        double bu = t.dt[i] * a.Bm()[bc] * a.u()[i];                // bu = dt * B * u
                        dC[bc] += gy[i] * t.h[j];                                    // dC += gy * h
                        dB[bc] += adj[j] * t.dt[i] * a.u()[i];                       // dB += g * dt * u
                        du[i] += adj[j] * a.Bm()[bc] * t.dt[i];                      // du += g * B * dt
                        ddt += adj[j] * (a.Bm()[bc] * a.u()[i] + a.A()[d * N + n] * (t.h[j] - bu)); // ddt
                        dA[d * N + n] += adj[j] * t.dt[i] * (t.h[j] - bu);           // dA += g * dt * a * h[l-1]
                    }
                    double x = a.delta()[i] + (a.deltaBias() != null ? a.deltaBias()[d] : 0.0);
                    ddelta[i] = a.deltaSoftplus() ? ddt * softplusGrad(x) : ddt;     // through softplus
                    if (ddeltaBias != null) ddeltaBias[d] += ddelta[i];              // ddelta_bias = sum_{b,l}
                }
            }
        }
        return new ScanGradsF64(du, ddelta, dA, dB, dC, dDskip, dz, ddeltaBias);
    }
}
