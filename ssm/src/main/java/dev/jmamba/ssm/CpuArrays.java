package dev.jmamba.ssm;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.CpuStorage;

/**
 * Flat row-major Java arrays of CPU tensors for the array-level kernels. When a tensor already is a
 * dense CPU array of the wanted type (contiguous, offset 0, nothing else in the storage) its own
 * array is returned without copying, so callers must treat the result as read-only.
 */
public final class CpuArrays {
    private CpuArrays() {}

    /** (any shape) the values as float32, row-major; shares the tensor's array when possible; null stays null. */
    public static float[] floats(Tensor t) {
        if (t == null) return null;
        if (isDense(t, DType.F32)) return (float[]) ((CpuStorage) t.storage()).array();
        return t.toFloatArray();
    }

    /** (any shape) the values as float64, row-major; shares the tensor's array when possible; null stays null. */
    public static double[] doubles(Tensor t) {
        if (t == null) return null;
        if (isDense(t, DType.F64)) return (double[]) ((CpuStorage) t.storage()).array();
        return t.toDoubleArray();
    }

    /** A CPU tensor of {@code shape} over {@code data} (no copy), converted to {@code dtype} when that is not F32. */
    public static Tensor tensor(float[] data, DType dtype, int... shape) {
        Tensor t = Tensor.wrap(data, shape);
        return dtype == DType.F32 ? t : t.to(dtype);
    }

    /** A CPU tensor of {@code shape} over {@code data} (no copy), converted to {@code dtype} when that is not F64. */
    public static Tensor tensor(double[] data, DType dtype, int... shape) {
        int[] strides = new int[shape.length];                     // row-major strides of shape
        for (int i = shape.length - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
        Tensor t = new Tensor(CpuStorage.wrap(data), shape.clone(), strides, 0);
        return dtype == DType.F64 ? t : t.to(dtype);
    }

    private static boolean isDense(Tensor t, DType dtype) {
        return t.device() instanceof Device.Cpu && t.dtype() == dtype && t.isContiguous() && t.offset() == 0
                && t.storage().size() == t.numel();
    }
}
