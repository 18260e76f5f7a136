package dev.jmamba.tensor;

/**
 * A flat buffer of elements of one dtype on one device. Tensors are views over a storage.
 * The CPU storage holds a Java array; a CUDA storage holds a device pointer. A storage is owned
 * by the {@link Scope} that was current when it was created (if any) and released when that
 * scope closes.
 */
public abstract class Storage {
    private final DType dtype;
    private final int size;
    private volatile boolean released;

    protected Storage(DType dtype, int size) {
        this.dtype = dtype;
        this.size = size;
        Scope.register(this);
    }

    public final DType dtype() { return dtype; }

    /** Number of elements. */
    public final int size() { return size; }

    public abstract Device device();

    /** Frees the memory (idempotent). Using the storage afterwards is an error. */
    public final void release() {
        if (released) return;
        released = true;
        free();
    }

    public final boolean isReleased() { return released; }

    /** Throws if released. */
    public final void checkAlive(String op) {
        if (released) throw new TensorException(op, "a live tensor", "a tensor whose scope was closed");
    }

    /** Device-specific release. */
    protected abstract void free();
}
