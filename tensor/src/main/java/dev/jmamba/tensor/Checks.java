package dev.jmamba.tensor;

/** Argument checks shared by ops; each throws a {@link TensorException} naming the op. */
public final class Checks {
    private Checks() {}

    public static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) {
            throw new TensorException.Device(op, "tensors on one device", a.device() + " and " + b.device());
        }
    }

    public static Tensor rank(String op, Tensor t, int rank) {
        if (t.rank() != rank) throw new TensorException.Shape(op, rank + "-D input", Shapes.str(t.shapeRef()));
        return t;
    }

    public static void floating(String op, Tensor t) {
        if (!t.dtype().isFloating()) throw new TensorException.DType(op, "a floating-point tensor", t.dtype().toString());
    }

    public static void index(String op, Tensor t) {
        if (t.dtype() != DType.I32 && t.dtype() != DType.I64) {
            throw new TensorException.DType(op, "an I32 or I64 index tensor", t.dtype().toString());
        }
    }

    public static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new TensorException.DType(op, "equal dtypes", a.dtype() + " and " + b.dtype());
    }
}
