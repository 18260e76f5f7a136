package dev.jmamba.ssm.kernel;

/**
 * Plain-loop {@link ScanLoops}: the kernel when the Vector API is absent (and the readable
 * statement of the fused chunked algorithm). The row helpers take a first index ({@code k0},
 * {@code n0}) from the time they also served as SIMD tails; they are called with 0.
 */
final class ScanLoopsScalar implements ScanLoops {

    static final ScanLoopsScalar INSTANCE = new ScanLoopsScalar();

    private ScanLoopsScalar() {}

    static float softplus(float x) { return x <= 20f ? (float) Math.log1p(Math.exp(x)) : x; }

    static float softplusGrad(float x) { return x <= 20f ? sigmoid(x) : 1f; }

    static float sigmoid(float x) { return (float) (1.0 / (1.0 + Math.exp(-x))); }

    @Override
    public void stepSizes(float[] delta, int off, int len, float bias, boolean softplus, float[] dt, float[] dSoftplus) {
        stepSizesFrom(0, delta, off, len, bias, softplus, dt, dSoftplus);
    }

    static void stepSizesFrom(int k0, float[] delta, int off, int len, float bias, boolean softplus,
                              float[] dt, float[] dSoftplus) {
        for (int k = k0; k < len; k++) {
            float x = delta[off + k] + bias;
            dt[k] = softplus ? softplus(x) : x;
            if (dSoftplus != null) dSoftplus[k] = softplus ? softplusGrad(x) : 1f;
        }
    }

    @Override
    public void decays(float[] dt, int len, float[] A, int aOff, int state, float[] decay) {
        for (int k = 0; k < len; k++)
            for (int n = 0; n < state; n++)
                decay[k * state + n] = (float) Math.exp(dt[k] * A[aOff + n]);
    }

    @Override
    public void recurrence(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct, int bcOff,
                           boolean keepStates) {
        if (ws.state == 1) {
            recurrenceSingleState(ws, len, u, uOff, Bt, Ct, bcOff, keepStates);
            return;
        }
        for (int k = 0; k < len; k++) {
            ws.y[k] = 0f;
            recurrenceRow(ws, k, 0, u[uOff + k], Bt, Ct, bcOff, keepStates);
        }
    }

    /** N = 1 (VMamba): the state lives in a local variable; a dependent multiply-add chain along L. */
    private static void recurrenceSingleState(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct,
                                              int bcOff, boolean keepStates) {
        float h = ws.h[0];
        float[] decay = ws.decay, dt = ws.dt, y = ws.y, states = ws.states;
        for (int k = 0; k < len; k++) {
            h = Math.fma(decay[k], h, dt[k] * u[uOff + k] * Bt[bcOff + k]);   // one fused op on the critical path
            if (keepStates) states[k + 1] = h;
            y[k] = Ct[bcOff + k] * h;
        }
        ws.h[0] = h;
    }

    /** One position k for states n0..N-1: updates ws.h (and ws.states), adds sum C·h into ws.y[k]. */
    static void recurrenceRow(ScanWorkspace ws, int k, int n0, float uk, float[] Bt, float[] Ct, int bcOff,
                              boolean keepStates) {
        int N = ws.state, row = k * N;
        float dtu = ws.dt[k] * uk, acc = 0f;
        for (int n = n0; n < N; n++) {
            float hn = ws.decay[row + n] * ws.h[n] + dtu * Bt[bcOff + row + n];   // h = a h + dt u B
            ws.h[n] = hn;
            if (keepStates) ws.states[row + N + n] = hn;
            acc += Ct[bcOff + row + n] * hn;                                      // y += C h
        }
        ws.y[k] += acc;
    }

    @Override
    public void gateForward(float[] y, int len, float dSkip, float[] u, float[] z, int off, float[] out) {
        gateForwardFrom(0, y, len, dSkip, u, z, off, out);
    }

    static void gateForwardFrom(int k0, float[] y, int len, float dSkip, float[] u, float[] z, int off, float[] out) {
        for (int k = k0; k < len; k++) {
            float y0 = y[k] + dSkip * u[off + k];
            out[off + k] = z == null ? y0 : y0 * z[off + k] * sigmoid(z[off + k]);
        }
    }

    @Override
    public void gateBackward(float[] y, int len, float dSkip, float[] u, float[] z, float[] gout, int off,
                             float[] gy, float[] dz) {
        gateBackwardFrom(0, y, len, dSkip, u, z, gout, off, gy, dz);
    }

    static void gateBackwardFrom(int k0, float[] y, int len, float dSkip, float[] u, float[] z, float[] gout,
                                 int off, float[] gy, float[] dz) {
        for (int k = k0; k < len; k++) {
            float go = gout[off + k];
            if (z == null) { gy[k] = go; continue; }
            float zk = z[off + k], s = sigmoid(zk), y0 = y[k] + dSkip * u[off + k];
            dz[off + k] = go * y0 * s * (1f + zk * (1f - s));   // d(z sigmoid z)/dz = s (1 + z (1 - s))
            gy[k] = go * zk * s;
        }
    }

    @Override
    public void adjoint(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct, int bcOff,
                        float[] A, int aOff, float[] dBt, float[] dCt, int dbcOff, float[] du) {
        if (ws.state == 1) {
            adjointSingleState(ws, len, u, uOff, Bt, Ct, bcOff, A[aOff], dBt, dCt, dbcOff, du);
            return;
        }
        for (int k = len - 1; k >= 0; k--) {
            du[uOff + k] = 0f;
            ws.ddt[k] = 0f;
            adjointRow(ws, k, 0, u[uOff + k], Bt, Ct, bcOff, A, aOff, dBt, dCt, dbcOff, du, uOff);
        }
    }

    /** N = 1: {@link #adjointRow} with the carry and dA in local variables. */
    private static void adjointSingleState(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct,
                                           int bcOff, float a0, float[] dBt, float[] dCt, int dbcOff, float[] du) {
        float carry = ws.carry[0], dA = ws.dA[0];
        float[] decay = ws.decay, dt = ws.dt, gy = ws.gy, states = ws.states, ddt = ws.ddt;
        for (int k = len - 1; k >= 0; k--) {
            float uk = u[uOff + k], dtk = dt[k], gyk = gy[k];
            float g = Math.fma(gyk, Ct[bcOff + k], carry);            // adjoint: the critical path
            float q = g * decay[k] * states[k];                       // g · a · h[l-1]
            dCt[dbcOff + k] += gyk * states[k + 1];
            dBt[dbcOff + k] += g * dtk * uk;
            float gb = g * Bt[bcOff + k];
            du[uOff + k] = dtk * gb;
            ddt[k] = uk * gb + a0 * q;
            dA += dtk * q;
            carry = decay[k] * g;
        }
        ws.carry[0] = carry;
        ws.dA[0] = dA;
    }

    /**
     * One position k of the adjoint sweep for states n0..N-1:
     * g = gy·C + carry; dC += gy·h; dB += g·dt·u; dA += dt·g·a·hPrev; carry = a·g;
     * adds dt·Σ g·B into du and u·Σ g·B + Σ A·g·a·hPrev into ws.ddt[k].
     */
    static void adjointRow(ScanWorkspace ws, int k, int n0, float uk, float[] Bt, float[] Ct, int bcOff,
                           float[] A, int aOff, float[] dBt, float[] dCt, int dbcOff, float[] du, int uOff) {
        int N = ws.state, row = k * N;
        float gyk = ws.gy[k], dtk = ws.dt[k], dtu = dtk * uk;
        float sumGB = 0f, sumGAH = 0f;
        for (int n = n0; n < N; n++) {
            int i = row + n;
            float g = gyk * Ct[bcOff + i] + ws.carry[n];            // adjoint of h at this position
            float decayedPrev = ws.decay[i] * ws.states[i];          // a · h[l-1] (= h - bu)
            dCt[dbcOff + i] += gyk * ws.states[i + N];               // dC += gy · h
            dBt[dbcOff + i] += g * dtu;                              // dB += g · dt · u
            sumGB += g * Bt[bcOff + i];
            float q = g * decayedPrev;
            sumGAH += A[aOff + n] * q;
            ws.dA[n] += dtk * q;                                     // dA += g · dt · a · h[l-1]
            ws.carry[n] = ws.decay[i] * g;                           // a[l] g[l] for position l-1
        }
        du[uOff + k] += dtk * sumGB;                                 // du += dt · Σ g B
        ws.ddt[k] += uk * sumGB + sumGAH;                            // ddt = Σ g (B u + A a hPrev)
    }
}
