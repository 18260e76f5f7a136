package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.TensorException;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU storage: a Java array ({@code float[]} F32, {@code double[]} F64, {@code int[]} I32,
 * {@code long[]} I64, {@code short[]} BF16 bits). Heap arrays let the JIT vectorise and drop
 * bounds checks; {@link java.lang.foreign.MemorySegment#ofArray} gives FFM code a zero-copy view.
 */
public final class CpuStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final AtomicLong PEAK_BYTES = new AtomicLong();

    private Object array;
    /** The array came from {@link #allocate} or {@link #allocateUninitialized}: it goes to {@link CpuArrayPool} on release. */
    private final boolean pooled;
    /** Subtracts this storage's bytes from the live count once: on release, or when collected unreleased. */
    private final Cleaner.Cleanable accounting;

    private CpuStorage(DType dtype, Object array, int size, boolean pooled) {
        super(dtype, size);
        this.array = array;
        this.pooled = pooled;
        long bytes = (long) size * dtype.bytes();
        long live = LIVE_BYTES.addAndGet(bytes);
        PEAK_BYTES.accumulateAndGet(live, Math::max);
        this.accounting = CLEANER.register(this, () -> LIVE_BYTES.addAndGet(-bytes));
    }

    /**
     * Bytes of the CPU storages alive now and at their peak since {@link #resetPeak()}; unowned
     * storages count until the garbage collector finds them unreachable.
     */
    public static MemoryStats stats() {
        long live = LIVE_BYTES.get();
        long peak = Math.max(PEAK_BYTES.get(), live);
        return new MemoryStats(live, live, peak, peak);
    }

    /** Starts the peak again from the live bytes. */
    public static void resetPeak() { PEAK_BYTES.set(LIVE_BYTES.get()); }

    /** A zero-filled storage (a pooled array filled with zeros, or a new one). */
    public static CpuStorage allocate(DType dtype, int size) {
        Object a = CpuArrayPool.take(dtype, size);
        if (a == null) return new CpuStorage(dtype, newArray(dtype, size), size, true);
        switch (a) {
            case float[] f -> java.util.Arrays.fill(f, 0f);
            case double[] d -> java.util.Arrays.fill(d, 0.0);
            case int[] i -> java.util.Arrays.fill(i, 0);
            case long[] l -> java.util.Arrays.fill(l, 0L);
            case short[] h -> java.util.Arrays.fill(h, (short) 0);
            default -> throw new IllegalStateException(a.getClass().getName());
        }
        return new CpuStorage(dtype, a, size, true);
    }

    /** A storage whose contents are unspecified (a pooled array as it was left, or a new one): the caller writes every element. */
    public static CpuStorage allocateUninitialized(DType dtype, int size) {
        Object a = CpuArrayPool.take(dtype, size);
        return new CpuStorage(dtype, a != null ? a : newArray(dtype, size), size, true);
    }

    private static Object newArray(DType dtype, int size) {
        return switch (dtype) {
            case F32 -> new float[size];
            case F64 -> new double[size];
            case I32 -> new int[size];
            case I64 -> new long[size];
            case BF16 -> new short[size];
        };
    }

    /** Wraps an existing array (no copy). */
    public static CpuStorage wrap(Object array) {
        return switch (array) {
            case float[] a -> new CpuStorage(DType.F32, a, a.length, false);
            case double[] a -> new CpuStorage(DType.F64, a, a.length, false);
            case int[] a -> new CpuStorage(DType.I32, a, a.length, false);
            case long[] a -> new CpuStorage(DType.I64, a, a.length, false);
            case short[] a -> new CpuStorage(DType.BF16, a, a.length, false);
            default -> throw new TensorException("wrap", "a float[], double[], int[], long[] or short[] array", array.getClass().getSimpleName());
        };
    }

    /** The backing array. */
    public Object array() {
        Object a = array;
        if (a == null) throw new TensorException("cpu", "a live tensor", "a tensor whose scope was closed");
        return a;
    }

    @Override public Device device() { return Device.CPU; }

    @Override protected void free() {
        Object a = array;
        array = null;
        accounting.clean();
        if (pooled && a != null) CpuArrayPool.give(dtype(), size(), a);
    }
}
