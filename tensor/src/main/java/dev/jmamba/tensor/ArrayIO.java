package dev.jmamba.tensor;

import dev.jmamba.tensor.cpu.CpuStorage;

/** Moving data between Java arrays and tensors. */
final class ArrayIO {
    private ArrayIO() {}

    static Tensor of(Object data, int[] shape) {
        CpuStorage s = CpuStorage.wrap(data);
        if (Shapes.numel(shape) != s.size()) {
            throw new TensorException.Shape("of", "shape with " + s.size() + " elements", Shapes.str(shape));
        }
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /** A contiguous CPU tensor of {@code dtype} holding t's values (may be t itself). */
    private static Tensor cpuContiguous(Tensor t, DType dtype) {
        t.storage().checkAlive("read");
        Tensor c = t.device() instanceof Device.Cpu ? t : t.contiguous().to(Device.CPU);
        if (c.dtype() != dtype) c = c.to(dtype);
        return c.contiguous();
    }

    static float[] toFloats(Tensor t) {
        Tensor c = cpuContiguous(t, DType.F32);
        float[] a = (float[]) ((CpuStorage) c.storage()).array();
        return java.util.Arrays.copyOfRange(a, c.offset(), c.offset() + c.numel());
    }

    static double[] toDoubles(Tensor t) {
        Tensor c = cpuContiguous(t, DType.F64);
        double[] a = (double[]) ((CpuStorage) c.storage()).array();
        return java.util.Arrays.copyOfRange(a, c.offset(), c.offset() + c.numel());
    }

    static int[] toInts(Tensor t) {
        Tensor c = cpuContiguous(t, DType.I32);
        int[] a = (int[]) ((CpuStorage) c.storage()).array();
        return java.util.Arrays.copyOfRange(a, c.offset(), c.offset() + c.numel());
    }

    static long[] toLongs(Tensor t) {
        Tensor c = cpuContiguous(t, DType.I64);
        long[] a = (long[]) ((CpuStorage) c.storage()).array();
        return java.util.Arrays.copyOfRange(a, c.offset(), c.offset() + c.numel());
    }
}
