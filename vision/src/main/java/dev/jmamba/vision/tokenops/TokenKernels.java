package dev.jmamba.vision.tokenops;

import dev.jmamba.ssm.DeviceSlot;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;

/**
 * The fused token-level kernels of the vision backbones, for one kind of device: the 2-D rotary embedding
 * ({@link RotaryPairs}), the token mean of a per-token layer norm ({@link TokenMeanNorm}) and the per-row
 * scale ({@link RowScale}) — LocalMamba's gate. {@link CpuTokenKernels} ships here; a GPU module registers its
 * own in {@code META-INF/services/dev.jmamba.vision.tokenops.TokenKernels}. Every method returns tensors in the
 * dtype of its first argument (the per-token statistics in F32, or F64 for F64); F64 runs in F64, everything
 * else in F32.
 */
public interface TokenKernels {

    /** Whether this implementation handles tensors on {@code device}. */
    boolean supports(Device device);

    /**
     * out[b, l, 2q] = x[2q]·cos[l, 2q] − x[2q+1]·sin[l, 2q],  out[b, l, 2q+1] = x[2q+1]·cos[l, 2q+1] + x[2q]·sin[l, 2q+1].
     *
     * @param x   (B, L, D), D even
     * @param cos (L, D)
     * @param sin (L, D)
     * @return (B, L, D)
     */
    Tensor rotary(Tensor x, Tensor cos, Tensor sin);

    /**
     * The adjoint of {@link #rotary} in x: gx[2q] = g[2q]·cos[2q] + g[2q+1]·sin[2q+1], gx[2q+1] = g[2q+1]·cos[2q+1] − g[2q]·sin[2q].
     *
     * @param gy (B, L, D)
     * @return gx (B, L, D)
     */
    Tensor rotaryBackward(Tensor gy, Tensor cos, Tensor sin);

    /**
     * Per token (n, b, l): mean and rstd = 1/sqrt(var + eps) over the C channels; then the token mean of the
     * normalised values, xbar[n, b, c] = (1/L) Σ_l (y[n, c, b, l] − mean[n, b, l]) · rstd[n, b, l].
     *
     * @param y (N, C, B, L)
     * @return {xbar (N, B, C), mean (N, B, L), rstd (N, B, L)}
     */
    Tensor[] tokenMeanNorm(Tensor y, double eps);

    /**
     * The gradient of {@link #tokenMeanNorm}'s xbar with respect to y: with a[c] = gxbar[n, b, c] / L, A = Σ_c a[c],
     * x̂ = (y − mean)·rstd and D[l] = Σ_c a[c]·x̂[c, l],
     * gy[n, c, b, l] = rstd[l]·(a[c] − A/C − x̂[c, l]·D[l]/C).
     *
     * @param gxbar (N, B, C)
     * @param y     (N, C, B, L)
     * @param mean  (N, B, L)
     * @param rstd  (N, B, L)
     * @return gy (N, C, B, L)
     */
    Tensor tokenMeanNormBackward(Tensor gxbar, Tensor y, Tensor mean, Tensor rstd);

    /**
     * out[r, l] = x[r, l] · g[r].
     *
     * @param x (R, L)
     * @param g (R)
     * @return (R, L)
     */
    Tensor rowScale(Tensor x, Tensor g);

    /**
     * gx[r, l] = gy[r, l]·g[r] and gg[r] = Σ_l gy[r, l]·x[r, l] in one pass over the rows; either may be skipped.
     *
     * @param gy (R, L)
     * @param x  (R, L)
     * @param g  (R)
     * @return {gx (R, L) or null, gg (R) or null}
     */
    Tensor[] rowScaleBackward(Tensor gy, Tensor x, Tensor g, boolean wantGx, boolean wantGg);

    /** The implementation for {@code device}. */
    static TokenKernels forDevice(Device device) {
        return DeviceSlot.find(TokenKernels.class, CpuTokenKernels.INSTANCE, TokenKernels::supports, device, "token kernels");
    }
}
