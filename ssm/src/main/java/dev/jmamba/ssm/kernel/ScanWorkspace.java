package dev.jmamba.ssm.kernel;

/**
 * Per-thread scratch buffers for one chunk of K positions of one (b, d) channel. A fresh
 * workspace is made per parallel block, so no two threads ever share one.
 */
final class ScanWorkspace {
    /** K, the chunk length. */
    final int chunk;
    /** N, the state size. */
    final int state;
    /** (K) step sizes dt of the chunk. */
    final float[] dt;
    /** (K) d dt / d(delta + bias): the softplus derivative. */
    final float[] dSoftplus;
    /** (K, N) decays a = exp(dt · A). */
    final float[] decay;
    /** (K + 1, N) row 0: state entering the chunk; row k + 1: h at chunk position k. */
    final float[] states;
    /** (K) y = sum_n C · h (without the skip term). */
    final float[] y;
    /** (K) gradient flowing into the pre-gate output y0. */
    final float[] gy;
    /** (K) gradient with respect to dt. */
    final float[] ddt;
    /** (N) running hidden state. */
    final float[] h;
    /** (N) adjoint carry a[l+1] · g[l+1] flowing from later positions. */
    final float[] carry;
    /** (N) dA accumulated over the positions of one channel. */
    final float[] dA;
    /** Σ_l gy · u of the channel just finished (its dDskip share). */
    double sumSkip;
    /** Σ_l ddelta of the channel just finished (its ddeltaBias share). */
    double sumBias;

    ScanWorkspace(int chunk, int state) {
        this.chunk = chunk;
        this.state = state;
        dt = new float[chunk];
        dSoftplus = new float[chunk];
        decay = new float[chunk * state];
        states = new float[(chunk + 1) * state];
        y = new float[chunk];
        gy = new float[chunk];
        ddt = new float[chunk];
        h = new float[state];
        carry = new float[state];
        dA = new float[state];
    }
}
