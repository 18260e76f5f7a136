package dev.jmamba.tensor;

import java.util.Locale;

/**
 * The arithmetic of float32 matrix products (matmul, linear, convolution GEMMs), in the spirit of
 * PyTorch's {@code torch.set_float32_matmul_precision}: data stays float32 in memory; only the
 * products' inputs are rounded inside the GEMM, and accumulation stays float32.
 *
 * <ul>
 * <li>{@link #FP32}: exact float32 products (the default; the only choice on the CPU).</li>
 * <li>{@link #TF32}: inputs rounded to TF32 (10-bit mantissa, unit roundoff 2⁻¹¹) on tensor cores.</li>
 * <li>{@link #BF16}: inputs rounded to bfloat16 (7-bit mantissa, unit roundoff 2⁻⁸) on tensor cores.</li>
 * </ul>
 * Float64 products are never affected.
 */
public enum MatmulPrecision {
    FP32, TF32, BF16;

    /** Unit roundoff of an input rounded to this precision (2⁻²⁴, 2⁻¹¹, 2⁻⁸). */
    public double unitRoundoff() {
        return switch (this) {
            case FP32 -> 0x1p-24;
            case TF32 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }

    /** fp32, tf32 or bf16 (any case); an IllegalArgumentException naming the choices otherwise. */
    public static MatmulPrecision parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JmambaException("unknown precision '" + text + "': expected fp32, tf32 or bf16");
        }
    }

    @Override public String toString() { return name().toLowerCase(Locale.ROOT); }
}
