package dev.jmamba.ssm.kernel;

/**
 * The inner loops of {@link SelectiveScanCpu} over one chunk (len ≤ K positions) of one (b, d)
 * channel, for the plain-loop kernel {@link SelectiveScanCpu#scalar()}: {@link ScanLoopsScalar}.
 * (The Vector API kernels are whole-call {@link ScanKernel}s with their own data layouts.)
 *
 * <p>Offsets: {@code off} / {@code uOff} index position 0 of the chunk in a (B, D, L) array;
 * {@code bcOff} / {@code dbcOff} index (position 0, n = 0) of the chunk in a length-major
 * (B, G, L, N) copy of B/C or of their gradients; {@code aOff} indexes row d of A (D, N).
 */
interface ScanLoops {

    /** dt[k] = softplus?(delta[off + k] + bias); dSoftplus[k] = its derivative when dSoftplus is non-null. */
    void stepSizes(float[] delta, int off, int len, float bias, boolean softplus, float[] dt, float[] dSoftplus);

    /** decay[k·N + n] = exp(dt[k] · A[aOff + n]) for k < len: one exp per (l, n). */
    void decays(float[] dt, int len, float[] A, int aOff, int state, float[] decay);

    /**
     * h = decay · h + dt · u · B; y[k] = sum_n C · h, starting from and updating {@code ws.h};
     * with {@code keepStates} also writes h into rows 1..len of {@code ws.states}.
     */
    void recurrence(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct, int bcOff,
                    boolean keepStates);

    /** out[off + k] = (y[k] + dSkip · u[off + k]) · silu(z[off + k]) (no gate when z is null). */
    void gateForward(float[] y, int len, float dSkip, float[] u, float[] z, int off, float[] out);

    /** From gout: gy[k] (grad into y0) and, when z is non-null, dz[off + k]. */
    void gateBackward(float[] y, int len, float dSkip, float[] u, float[] z, float[] gout, int off,
                      float[] gy, float[] dz);

    /**
     * The adjoint recurrence backwards through the chunk (needs ws.states, ws.decay, ws.dt, ws.gy
     * and ws.carry from the later chunk): adds into dBt, dCt and ws.dA, writes du[uOff + k] =
     * dt · sum_n g · B (the skip term is added by the caller) and ws.ddt[k], updates ws.carry.
     */
    void adjoint(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct, int bcOff,
                 float[] A, int aOff, float[] dBt, float[] dCt, int dbcOff, float[] du);
}
