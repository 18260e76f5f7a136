package dev.jmamba.io;

import dev.jmamba.tensor.DType;

/**
 * Conversions between {@code float} and the two 16-bit float formats, on raw {@code short} bits.
 * Both directions of float → 16-bit round to nearest, ties to even; NaN stays NaN (quiet, sign kept);
 * values too large for the target become infinity.
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /** The bfloat16 bits nearest to {@code value} (ties to even; NaN stays a quiet NaN): {@link DType#toBf16}. */
    public static short floatToBf16(float value) {
        return DType.toBf16(value);
    }

    /** The float with exactly the value of the bfloat16 {@code bits} (every bf16 is a float): {@link DType#fromBf16}. */
    public static float bf16ToFloat(short bits) {
        return DType.fromBf16(bits);
    }

    /** The IEEE binary16 bits nearest to {@code value} (ties to even). */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** The float with exactly the value of the binary16 {@code bits}. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }
}
