package dev.jmamba.io;

/**
 * Conversions between {@code float} and the two 16-bit float formats, on raw {@code short} bits.
 * Both directions of float → 16-bit round to nearest, ties to even; NaN stays NaN (quiet, sign kept);
 * values too large for the target become infinity.
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /** The bfloat16 bits nearest to {@code value} (ties to even). */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            // keep the sign and the top mantissa bits, force the quiet bit so no NaN becomes infinity
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Add just under half an ulp of bf16, plus one more when the kept lowest bit is odd: a tie then
        // carries into the kept bits only when that makes them even. A carry out of the mantissa bumps
        // the exponent, which is the correct rounding (up to infinity at the top).
        int lowestKeptBit = (bits >>> 16) & 1;
        int rounded = bits + 0x7FFF + lowestKeptBit;
        return (short) (rounded >>> 16);
    }

    /** The float with exactly the value of the bfloat16 {@code bits} (every bf16 is a float). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
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
