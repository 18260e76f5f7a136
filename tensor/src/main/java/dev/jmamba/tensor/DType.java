package dev.jmamba.tensor;

/**
 * Element types. {@code F32} is the compute type; {@code F64} is for references and gradient
 * checks; {@code I32}/{@code I64} hold indices and labels; {@code BF16} is a storage type
 * (computations convert to F32 first).
 */
public enum DType {
    F32(4, true), F64(8, true), I32(4, false), I64(8, false), BF16(2, true);

    private final int bytes;
    private final boolean floating;

    DType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int bytes() { return bytes; }

    /** True for F32, F64 and BF16. */
    public boolean isFloating() { return floating; }

    /** The type arithmetic on this type produces: BF16 computes in F32. */
    public DType computeType() { return this == BF16 ? F32 : this; }

    /** The wider of two types for mixed-type binary ops (F64 > F32 > I64 > I32). */
    public static DType promote(DType a, DType b) {
        if (a == b) return a.computeType();
        if (a == F64 || b == F64) return F64;
        if (a.isFloating() || b.isFloating()) return F32;
        return (a == I64 || b == I64) ? I64 : I32;
    }

    /** float → bf16 bits, round to nearest even; NaN stays NaN. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** bf16 bits → float (exact). */
    public static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}
