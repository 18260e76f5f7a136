package dev.jmamba.io;

/**
 * The element types a safetensors file may hold in jmamba, with their size in bytes. The enum
 * constant names are exactly the strings stored in the header's {@code "dtype"} field.
 */
public enum SafeDType {
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary64. */
    F64(8),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2),
    /** IEEE 754 binary16. */
    F16(2),
    /** Signed 32-bit two's-complement integer. */
    I32(4),
    /** Signed 64-bit two's-complement integer. */
    I64(8),
    /** Unsigned 8-bit integer. */
    U8(1);

    private final int byteSize;

    SafeDType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element (1, 2, 4 or 8). */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The dtype named {@code name} in a header, or {@code null} when jmamba does not know it
     * (the caller turns that into a {@link CheckpointException} naming the file).
     */
    static SafeDType fromHeaderName(String name) {
        for (SafeDType type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
