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

    /**
     * Operands of a fused in-place optimizer update ({@link Backend#adamwUpdate},
     * {@link Backend#sgdUpdate}): {@code param} and every operand non-null, alive, contiguous, on
     * param's device, of param's dtype (F32 or F64) and shape. {@code names[i]} names operand i.
     */
    public static void updateOperands(String op, Tensor param, String[] names, Tensor... operands) {
        if (param == null) throw new TensorException(op, "a param tensor", "null");
        checkUpdateOperand(op, "param", param);
        if (param.dtype() != DType.F32 && param.dtype() != DType.F64) {
            throw new TensorException.DType(op, "param of dtype F32 or F64", param.dtype().toString());
        }
        for (int i = 0; i < operands.length; i++) {
            Tensor t = operands[i];
            String name = names[i];
            if (t == null) throw new TensorException(op, "a " + name + " tensor", "null");
            checkUpdateOperand(op, name, t);
            if (!t.device().equals(param.device())) {
                throw new TensorException.Device(op, name + " on param's device " + param.device(), name + " on " + t.device());
            }
            if (t.dtype() != param.dtype()) throw new TensorException.DType(op, name + " of param's dtype " + param.dtype(), t.dtype().toString());
            if (!java.util.Arrays.equals(t.shapeRef(), param.shapeRef())) {
                throw new TensorException.Shape(op, name + " of param's shape " + Shapes.str(param.shapeRef()), Shapes.str(t.shapeRef()));
            }
        }
    }

    private static void checkUpdateOperand(String op, String name, Tensor t) {
        t.storage().checkAlive(op);
        if (!t.isContiguous()) {
            throw new TensorException(op, "a contiguous " + name, "strides " + java.util.Arrays.toString(t.strides()) + " for shape " + Shapes.str(t.shapeRef()));
        }
    }
}
