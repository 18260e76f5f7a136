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
    /** Subtracts this storage's bytes from the live count once: on release, or when collected unreleased. */
    private final Cleaner.Cleanable accounting;

    private CpuStorage(DType dtype, Object array, int size) {
        super(dtype, size);
        this.array = array;
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

    /** A zero-filled storage. */
    public static CpuStorage allocate(DType dtype, int size) {
        Object a = switch (dtype) {
            case F32 -> new float[size];
            case F64 -> new double[size];
            case I32 -> new int[size];
            case I64 -> new long[size];
            case BF16 -> new short[size];
        };
        return new CpuStorage(dtype, a, size);
    }

    /** Wraps an existing array (no copy). */
    public static CpuStorage wrap(Object array) {
        return switch (array) {
            case float[] a -> new CpuStorage(DType.F32, a, a.length);
            case double[] a -> new CpuStorage(DType.F64, a, a.length);
            case int[] a -> new CpuStorage(DType.I32, a, a.length);
            case long[] a -> new CpuStorage(DType.I64, a, a.length);
            case short[] a -> new CpuStorage(DType.BF16, a, a.length);
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
        array = null;
        accounting.clean();
    }
}
