package dev.jmamba.ssm.kernel;

/**
 * Per-thread buffers of {@code ScanBlocksSimd} for one block of W channels (W = SIMD lanes) and one
 * chunk of K positions. Every tile is position-major with the W channels innermost, so that one
 * vector load is one position (and state index) of all the block's channels. A fresh workspace is
 * made per parallel task, so no two threads share one.
 */
final class ScanBlockWorkspace {
    /** W, channels per block (= vector lanes). */
    final int width;
    /** (K, W) tiles of the chunk's inputs: raw delta, u, z, gout. */
    final float[] delta, u, z, gout;
    /** (K, W) per-position results: out (forward); du, ddelta, dz (backward). */
    final float[] out, du, ddelta, dz;
    /** (K, W) step size dt, softplus derivative, gradient into y0. */
    final float[] dt, dSoftplus, gy;
    /** (K, N, W) decays exp(dt · A). */
    final float[] decay;
    /** (K + 1, N, W) row 0: state entering the chunk; row k + 1: h after position k. */
    final float[] states;
    /** (K, N, W) per-lane partial sums of dB and dC over the blocks of one task (reduced over lanes per chunk). */
    final float[] dBLanes, dCLanes;
    /** (N, W) running state of the block's channels. */
    final float[] h;
    /** (N, W) A transposed for the block: A[d0 + j, n] at n · W + j. */
    final float[] aT;
    /** (W) delta_bias and Dskip of the block's channels (0 when absent). */
    final float[] bias, skip;

    ScanBlockWorkspace(int chunk, int state, int width) {
        this.width = width;
        int tile = chunk * width, stateTile = chunk * state * width;
        delta = new float[tile]; u = new float[tile]; z = new float[tile]; gout = new float[tile];
        out = new float[tile]; du = new float[tile]; ddelta = new float[tile]; dz = new float[tile];
        dt = new float[tile]; dSoftplus = new float[tile]; gy = new float[tile];
        decay = new float[stateTile];
        states = new float[(chunk + 1) * state * width];
        dBLanes = new float[stateTile];
        dCLanes = new float[stateTile];
        h = new float[state * width];
        aT = new float[state * width];
        bias = new float[width];
        skip = new float[width];
    }
}
