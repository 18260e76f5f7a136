package dev.jmamba.autograd;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.function.Function;

/** Seeded F64 test inputs, contiguous and not. */
final class Fixtures {
    private Fixtures() {}

    /** Standard normal F64, contiguous. */
    static Tensor randn(long seed, int... shape) {
        return Tensor.random(RandomKind.NORMAL, seed, 0, 1, DType.F64, Device.CPU, shape);
    }

    /** Values in [0.5, 2.5): away from 0, for log, sqrt, division. */
    static Tensor positive(long seed, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, 0.5, 2.5, DType.F64, Device.CPU, shape);
    }

    /** A (rows, cols) F64 tensor that is a transposed, non-contiguous view. */
    static Tensor transposed(long seed, int rows, int cols) {
        Tensor t = randn(seed, cols, rows).transpose(0, 1);
        if (t.isContiguous()) throw new AssertionError("fixture should be non-contiguous");
        return t;
    }

    /** A (rows, cols) F64 tensor that is every other column of a wider tensor (non-contiguous). */
    static Tensor sliced(long seed, int rows, int cols) {
        Tensor t = randn(seed, rows, 2 * cols + 1).slice(1, 1, 2 * cols + 1, 2);
        if (t.isContiguous()) throw new AssertionError("fixture should be non-contiguous");
        return t;
    }

    static Tensor ints(int[] data, int... shape) { return Tensor.of(data, shape); }

    /** A one-input op as GradCheck's function. */
    static Function<Var[], Var> op(Function<Var, Var> f) { return v -> f.apply(v[0]); }
}
