package dev.jmamba.ssm.conv;

import dev.jmamba.ssm.CpuArrays;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * The flat row-major values of a CPU tensor, read and written a stretch at a time as float64, so one
 * float64 loop serves F32 and F64 tensors without converting whole tensors: F64 tensors are held as
 * double[], everything else as float[] (BF16 is widened once and rounded back by {@link #tensor}).
 */
public abstract sealed class RowArrays {
    private RowArrays() {}

    /** The values of {@code t} (shared with t when it is a dense F32/F64 array: read-only then). */
    public static RowArrays of(Tensor t) {
        return t.dtype() == DType.F64 ? new F64(CpuArrays.doubles(t)) : new F32(CpuArrays.floats(t));
    }

    /** A zeroed array of {@code n} values in the compute type of {@code dtype}. */
    public static RowArrays zeros(DType dtype, int n) {
        return dtype == DType.F64 ? new F64(new double[n]) : new F32(new float[n]);
    }

    /** dst[0 .. n) = values[offset .. offset + n). */
    public abstract void load(int offset, double[] dst, int n);

    /** values[offset .. offset + n) = src[0 .. n). */
    public abstract void store(int offset, double[] src, int n);

    /** A CPU tensor of {@code shape} over these values (no copy), converted to {@code dtype} when needed. */
    public abstract Tensor tensor(DType dtype, int... shape);

    private static final class F64 extends RowArrays {
        private final double[] a;

        F64(double[] a) { this.a = a; }

        @Override public void load(int offset, double[] dst, int n) { System.arraycopy(a, offset, dst, 0, n); }

        @Override public void store(int offset, double[] src, int n) { System.arraycopy(src, 0, a, offset, n); }

        @Override public Tensor tensor(DType dtype, int... shape) { return CpuArrays.tensor(a, dtype, shape); }
    }

    private static final class F32 extends RowArrays {
        private final float[] a;

        F32(float[] a) { this.a = a; }

        @Override public void load(int offset, double[] dst, int n) { for (int i = 0; i < n; i++) dst[i] = a[offset + i]; }

        @Override public void store(int offset, double[] src, int n) { for (int i = 0; i < n; i++) a[offset + i] = (float) src[i]; }

        @Override public Tensor tensor(DType dtype, int... shape) { return CpuArrays.tensor(a, dtype, shape); }
    }
}
