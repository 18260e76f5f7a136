package dev.jmamba.ssm.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API {@link ScanLoops}. Element-wise work along the sequence (softplus, gating) is SIMD
 * over positions; the recurrence and its adjoint are SIMD over the state index n (N = 16 is two
 * AVX2 vectors of 8), with {@link ScanLoopsScalar}'s row helpers for the n tail and whole
 * scalar rows when N is smaller than one vector (N = 1 for VMamba). Loaded only when
 * {@code SimdSupport.ENABLED}.
 */
final class ScanLoopsSimd implements ScanLoops {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();

    private ScanLoopsSimd() {}

    /** Typed as the interface so callers never name (and so never load) this class's vector types. */
    static ScanLoops create() { return new ScanLoopsSimd(); }

    @Override
    public void stepSizes(float[] delta, int off, int len, float bias, boolean softplus, float[] dt, float[] dSoftplus) {
        int k = 0;
        if (softplus) {
            for (; k < S.loopBound(len); k += V) {
                FloatVector x = FloatVector.fromArray(S, delta, off + k).add(bias);
                FloatVector e = x.lanewise(VectorOperators.EXP);
                VectorMask<Float> linear = x.compare(VectorOperators.GT, 20f);     // softplus(x) = x above 20
                e.lanewise(VectorOperators.LOG1P).blend(x, linear).intoArray(dt, k);
                if (dSoftplus != null) e.div(e.add(1f)).blend(1f, linear).intoArray(dSoftplus, k);  // sigmoid
            }
        }
        ScanLoopsScalar.stepSizesFrom(k, delta, off, len, bias, softplus, dt, dSoftplus);
    }

    @Override
    public void decays(float[] dt, int len, float[] A, int aOff, int state, float[] decay) {
        if (state >= V) {
            int nv = S.loopBound(state);
            for (int k = 0; k < len; k++) {
                float dtk = dt[k];
                int row = k * state, n = 0;
                for (; n < nv; n += V)
                    FloatVector.fromArray(S, A, aOff + n).mul(dtk).lanewise(VectorOperators.EXP).intoArray(decay, row + n);
                for (; n < state; n++) decay[row + n] = (float) Math.exp(dtk * A[aOff + n]);
            }
            return;
        }
        // small N: write the products dt·A row by row, then one flat vector exp over len·N values
        int total = len * state;
        for (int k = 0; k < len; k++)
            for (int n = 0; n < state; n++) decay[k * state + n] = dt[k] * A[aOff + n];
        int i = 0;
        for (; i < S.loopBound(total); i += V)
            FloatVector.fromArray(S, decay, i).lanewise(VectorOperators.EXP).intoArray(decay, i);
        for (; i < total; i++) decay[i] = (float) Math.exp(decay[i]);
    }

    @Override
    public void recurrence(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct, int bcOff,
                           boolean keepStates) {
        int N = ws.state;
        if (N < V) {
            ScanLoopsScalar.INSTANCE.recurrence(ws, len, u, uOff, Bt, Ct, bcOff, keepStates);
            return;
        }
        int nv = S.loopBound(N);
        float[] h = ws.h, decay = ws.decay, states = ws.states;
        for (int k = 0; k < len; k++) {
            float uk = u[uOff + k], dtu = ws.dt[k] * uk;
            int row = k * N, bc = bcOff + row;
            FloatVector acc = FloatVector.zero(S);
            for (int n = 0; n < nv; n += V) {
                FloatVector bu = FloatVector.fromArray(S, Bt, bc + n).mul(dtu);
                FloatVector hv = FloatVector.fromArray(S, decay, row + n).fma(FloatVector.fromArray(S, h, n), bu);
                hv.intoArray(h, n);
                if (keepStates) hv.intoArray(states, row + N + n);
                acc = FloatVector.fromArray(S, Ct, bc + n).fma(hv, acc);
            }
            ws.y[k] = acc.reduceLanes(VectorOperators.ADD);
            if (nv < N) ScanLoopsScalar.recurrenceRow(ws, k, nv, uk, Bt, Ct, bcOff, keepStates);
        }
    }

    /** sigmoid(z) lane-wise. */
    private static FloatVector sigmoid(FloatVector z) {
        return FloatVector.broadcast(S, 1f).div(z.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    @Override
    public void gateForward(float[] y, int len, float dSkip, float[] u, float[] z, int off, float[] out) {
        FloatVector skip = FloatVector.broadcast(S, dSkip);
        int k = 0;
        for (; k < S.loopBound(len); k += V) {
            FloatVector y0 = FloatVector.fromArray(S, u, off + k).fma(skip, FloatVector.fromArray(S, y, k));
            if (z != null) {
                FloatVector zv = FloatVector.fromArray(S, z, off + k);
                y0 = y0.mul(zv.mul(sigmoid(zv)));
            }
            y0.intoArray(out, off + k);
        }
        ScanLoopsScalar.gateForwardFrom(k, y, len, dSkip, u, z, off, out);
    }

    @Override
    public void gateBackward(float[] y, int len, float dSkip, float[] u, float[] z, float[] gout, int off,
                             float[] gy, float[] dz) {
        if (z == null) {
            System.arraycopy(gout, off, gy, 0, len);
            return;
        }
        FloatVector skip = FloatVector.broadcast(S, dSkip);
        int k = 0;
        for (; k < S.loopBound(len); k += V) {
            FloatVector go = FloatVector.fromArray(S, gout, off + k);
            FloatVector zv = FloatVector.fromArray(S, z, off + k), s = sigmoid(zv);
            FloatVector y0 = FloatVector.fromArray(S, u, off + k).fma(skip, FloatVector.fromArray(S, y, k));
            FloatVector dSilu = zv.mul(s.neg().add(1f)).add(1f).mul(s);            // s (1 + z (1 - s))
            go.mul(y0).mul(dSilu).intoArray(dz, off + k);
            go.mul(zv).mul(s).intoArray(gy, k);
        }
        ScanLoopsScalar.gateBackwardFrom(k, y, len, dSkip, u, z, gout, off, gy, dz);
    }

    @Override
    public void adjoint(ScanWorkspace ws, int len, float[] u, int uOff, float[] Bt, float[] Ct, int bcOff,
                        float[] A, int aOff, float[] dBt, float[] dCt, int dbcOff, float[] du) {
        int N = ws.state;
        if (N < V) {
            ScanLoopsScalar.INSTANCE.adjoint(ws, len, u, uOff, Bt, Ct, bcOff, A, aOff, dBt, dCt, dbcOff, du);
            return;
        }
        int nv = S.loopBound(N);
        float[] carry = ws.carry, decay = ws.decay, states = ws.states, dA = ws.dA;
        for (int k = len - 1; k >= 0; k--) {
            float uk = u[uOff + k], gyk = ws.gy[k], dtk = ws.dt[k], dtu = dtk * uk;
            int row = k * N;
            FloatVector gyv = FloatVector.broadcast(S, gyk), dtuv = FloatVector.broadcast(S, dtu);
            FloatVector dtv = FloatVector.broadcast(S, dtk);
            FloatVector sumGB = FloatVector.zero(S), sumGAH = FloatVector.zero(S);
            for (int n = 0; n < nv; n += V) {
                int i = row + n;
                FloatVector a = FloatVector.fromArray(S, decay, i);
                FloatVector g = FloatVector.fromArray(S, Ct, bcOff + i).fma(gyv, FloatVector.fromArray(S, carry, n));
                FloatVector q = g.mul(a.mul(FloatVector.fromArray(S, states, i)));      // g · a · h[l-1]
                FloatVector.fromArray(S, states, i + N).fma(gyv, FloatVector.fromArray(S, dCt, dbcOff + i))
                        .intoArray(dCt, dbcOff + i);                                    // dC += gy · h
                g.fma(dtuv, FloatVector.fromArray(S, dBt, dbcOff + i)).intoArray(dBt, dbcOff + i);  // dB += g dt u
                sumGB = g.fma(FloatVector.fromArray(S, Bt, bcOff + i), sumGB);
                sumGAH = q.fma(FloatVector.fromArray(S, A, aOff + n), sumGAH);
                q.fma(dtv, FloatVector.fromArray(S, dA, n)).intoArray(dA, n);           // dA += dt · q
                a.mul(g).intoArray(carry, n);
            }
            float gb = sumGB.reduceLanes(VectorOperators.ADD);
            du[uOff + k] = dtk * gb;
            ws.ddt[k] = uk * gb + sumGAH.reduceLanes(VectorOperators.ADD);
            if (nv < N) ScanLoopsScalar.adjointRow(ws, k, nv, uk, Bt, Ct, bcOff, A, aOff, dBt, dCt, dbcOff, du, uOff);
        }
    }
}
