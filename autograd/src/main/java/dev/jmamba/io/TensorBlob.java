package dev.jmamba.io;

import dev.jmamba.tensor.JmambaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor as stored in a safetensors file: an element type, a row-major shape and the raw
 * little-endian, tightly packed bytes. {@code data} is either a read-only view into a memory-mapped
 * file (from {@link SafeTensorFile#get}) or an on-heap segment (from the {@code of...} factories).
 * A view stays valid only while its {@link SafeTensorFile} is open.
 *
 * <p>Equality compares dtype, shape and bytes. The shape array is copied in and out.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first; {@code []} is a scalar, a 0 dimension an empty tensor
 * @param data  exactly {@code product(shape) * dtype.byteSize()} bytes, little-endian, row-major
 */
public record TensorBlob(SafeDType dtype, long[] shape, MemorySegment data) {

    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Checks that the bytes match the shape; copies the shape. */
    public TensorBlob {
        if (dtype == null || shape == null || data == null) {
            throw new JmambaException("TensorBlob needs a dtype, a shape and data; got dtype=" + dtype
                    + ", shape=" + Arrays.toString(shape) + ", data=" + data);
        }
        shape = shape.clone();
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new JmambaException("TensorBlob shape " + Arrays.toString(shape)
                    + " of " + dtype + " has more bytes than a long can count");
        }
        if (data.byteSize() != expectedBytes) {
            throw new JmambaException("TensorBlob of " + dtype + " with shape " + Arrays.toString(shape)
                    + " needs " + expectedBytes + " bytes of data but got " + data.byteSize());
        }
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long elementCount() {
        return elementCount(shape);
    }

    /**
     * Product of {@code shape}; throws {@link JmambaException} for a negative dimension and
     * {@link ArithmeticException} when the product overflows a long.
     */
    static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new JmambaException("TensorBlob shape " + Arrays.toString(shape)
                        + " has a negative dimension");
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    // ---------------------------------------------------------------- factories (copy into heap)

    /** An F32 tensor of {@code values} laid out row-major in {@code shape}. */
    public static TensorBlob ofFloats(long[] shape, float[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.F32);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(F32, i, values[i]);
        }
        return new TensorBlob(SafeDType.F32, shape, bytes);
    }

    /** An F64 tensor of {@code values}. */
    public static TensorBlob ofDoubles(long[] shape, double[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.F64);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(F64, i, values[i]);
        }
        return new TensorBlob(SafeDType.F64, shape, bytes);
    }

    /** A BF16 tensor of {@code values}, each rounded to nearest bfloat16 (ties to even). */
    public static TensorBlob ofBf16(long[] shape, float[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.BF16);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(I16, i, HalfFloats.floatToBf16(values[i]));
        }
        return new TensorBlob(SafeDType.BF16, shape, bytes);
    }

    /** An F16 tensor of {@code values}, each rounded to nearest binary16 (ties to even). */
    public static TensorBlob ofF16(long[] shape, float[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.F16);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(I16, i, HalfFloats.floatToF16(values[i]));
        }
        return new TensorBlob(SafeDType.F16, shape, bytes);
    }

    /** An I32 tensor of {@code values}. */
    public static TensorBlob ofInts(long[] shape, int[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.I32);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(I32, i, values[i]);
        }
        return new TensorBlob(SafeDType.I32, shape, bytes);
    }

    /** An I64 tensor of {@code values}. */
    public static TensorBlob ofLongs(long[] shape, long[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.I64);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(I64, i, values[i]);
        }
        return new TensorBlob(SafeDType.I64, shape, bytes);
    }

    /** A U8 tensor of {@code values}; each byte is read as unsigned 0..255. */
    public static TensorBlob ofUnsignedBytes(long[] shape, byte[] values) {
        MemorySegment bytes = heapBytes(shape, values.length, SafeDType.U8);
        MemorySegment.copy(MemorySegment.ofArray(values), 0, bytes, 0, values.length);
        return new TensorBlob(SafeDType.U8, shape, bytes);
    }

    /**
     * Zeroed heap bytes for {@code valueCount} elements of {@code dtype}, after checking that the count
     * matches {@code shape}. Backed by a long[] so the segment is 8-byte aligned and may pass 2 GiB.
     */
    private static MemorySegment heapBytes(long[] shape, int valueCount, SafeDType dtype) {
        long expected = elementCount(shape);
        if (expected != valueCount) {
            throw new JmambaException("TensorBlob shape " + Arrays.toString(shape) + " needs "
                    + expected + " values but got " + valueCount);
        }
        long byteCount = (long) valueCount * dtype.byteSize();
        long[] backing = new long[(int) ((byteCount + 7) / 8)];
        return MemorySegment.ofArray(backing).asSlice(0, byteCount);
    }

    // ---------------------------------------------------------------- conversions (copy out)

    /** Every element as a float: exact for F32/BF16/F16/U8, rounded to nearest for F64/I32/I64. */
    public float[] toFloatArray() {
        int count = arrayLength();
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (dtype) {
                case F32 -> data.getAtIndex(F32, i);
                case F64 -> (float) data.getAtIndex(F64, i);
                case BF16 -> HalfFloats.bf16ToFloat(data.getAtIndex(I16, i));
                case F16 -> HalfFloats.f16ToFloat(data.getAtIndex(I16, i));
                case I32 -> data.getAtIndex(I32, i);
                case I64 -> data.getAtIndex(I64, i);
                case U8 -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
            };
        }
        return out;
    }

    /** Every element as a double: exact for every dtype except I64 values beyond 2^53 (rounded). */
    public double[] toDoubleArray() {
        int count = arrayLength();
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (dtype) {
                case F32 -> data.getAtIndex(F32, i);
                case F64 -> data.getAtIndex(F64, i);
                case BF16 -> HalfFloats.bf16ToFloat(data.getAtIndex(I16, i));
                case F16 -> HalfFloats.f16ToFloat(data.getAtIndex(I16, i));
                case I32 -> data.getAtIndex(I32, i);
                case I64 -> data.getAtIndex(I64, i);
                case U8 -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
            };
        }
        return out;
    }

    /** Every element of an integer tensor (I32, I64, U8) as a long; float dtypes are refused. */
    public long[] toLongArray() {
        int count = arrayLength();
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (dtype) {
                case I32 -> data.getAtIndex(I32, i);
                case I64 -> data.getAtIndex(I64, i);
                case U8 -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
                default -> throw new IllegalStateException("toLongArray needs an integer dtype (I32, I64, U8) but this tensor is " + dtype);
            };
        }
        return out;
    }

    /** Every element of an I32 or U8 tensor as an int; other dtypes are refused. */
    public int[] toIntArray() {
        if (dtype != SafeDType.I32 && dtype != SafeDType.U8) {
            throw new IllegalStateException("toIntArray needs dtype I32 or U8 but this tensor is " + dtype);
        }
        int count = arrayLength();
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = dtype == SafeDType.I32 ? data.getAtIndex(I32, i)
                    : Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
        }
        return out;
    }

    private int arrayLength() {
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("TensorBlob with " + count + " elements does not fit in a Java array");
        }
        return (int) count;
    }

    // ---------------------------------------------------------------- value semantics

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorBlob that
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && data.mismatch(that.data) == -1;
    }

    @Override
    public int hashCode() {
        return 31 * dtype.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "TensorBlob[" + dtype + " " + Arrays.toString(shape) + ", " + data.byteSize() + " bytes]";
    }
}
