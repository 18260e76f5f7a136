package dev.jmamba.tensor;

/**
 * The tensor layer's branch of the {@link JmambaException} family. Every message names the op, what was
 * expected and what arrived, e.g. {@code matmul: expected inner dims to match, got (2, 3) @ (4, 5)}.
 */
public class TensorException extends JmambaException {
    private final String op;

    public TensorException(String op, String message) {
        super(op + ": " + message);
        this.op = op;
    }

    public TensorException(String op, String expected, String got) {
        this(op, "expected " + expected + ", got " + got);
    }

    /** The op that failed. */
    public String op() { return op; }

    /** Wrong shapes (rank, sizes, broadcasting). */
    public static final class Shape extends TensorException {
        public Shape(String op, String expected, String got) { super(op, expected, got); }
    }

    /** Wrong element types. */
    public static final class DType extends TensorException {
        public DType(String op, String expected, String got) { super(op, expected, got); }
    }

    /** Tensors on different devices, or a device that is not available. */
    public static final class Device extends TensorException {
        public Device(String op, String expected, String got) { super(op, expected, got); }
        public Device(String op, String message) { super(op, message); }
    }

    /** Out of memory on a device, with the requested size and the allocator's stats. */
    public static final class OutOfMemory extends TensorException {
        public OutOfMemory(String op, String message) { super(op, message); }
    }
}
