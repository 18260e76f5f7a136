package dev.jmamba.io.pth;

import dev.jmamba.io.SafeDType;

/**
 * The element types of PyTorch storages, named by the legacy storage classes that {@code torch.save}
 * writes into the pickle ({@code torch.FloatStorage}, ...), with their size and the safetensors type a
 * tensor of them becomes when read (8- and 16-bit integers and booleans widen without loss).
 */
public enum TorchDType {
    FLOAT("FloatStorage", 4, SafeDType.F32),
    DOUBLE("DoubleStorage", 8, SafeDType.F64),
    HALF("HalfStorage", 2, SafeDType.F16),
    BFLOAT16("BFloat16Storage", 2, SafeDType.BF16),
    LONG("LongStorage", 8, SafeDType.I64),
    INT("IntStorage", 4, SafeDType.I32),
    SHORT("ShortStorage", 2, SafeDType.I32),
    CHAR("CharStorage", 1, SafeDType.I32),
    BYTE("ByteStorage", 1, SafeDType.U8),
    BOOL("BoolStorage", 1, SafeDType.U8);

    private final String storageClass;
    private final int byteSize;
    private final SafeDType readAs;

    TorchDType(String storageClass, int byteSize, SafeDType readAs) {
        this.storageClass = storageClass;
        this.byteSize = byteSize;
        this.readAs = readAs;
    }

    /** The class name after {@code torch.}, e.g. {@code FloatStorage}. */
    public String storageClass() { return storageClass; }

    /** Bytes per element in the archive. */
    public int byteSize() { return byteSize; }

    /** The type a tensor of this storage is read as. */
    public SafeDType readAs() { return readAs; }

    /** The type of storage class {@code torch.<name>}, or null when it is not one. */
    static TorchDType ofStorageClass(String name) {
        for (TorchDType t : values()) if (t.storageClass.equals(name)) return t;
        return null;
    }
}
