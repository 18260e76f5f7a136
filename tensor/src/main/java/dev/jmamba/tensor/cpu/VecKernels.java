package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;

/**
 * Plain-loop elementwise kernels over float[] ranges: the scalar twins (and references) of
 * {@code VecKernelsSimd}, used when the Vector API is absent.
 */
public final class VecKernels {
    private VecKernels() {}

    /** out[oOff + i] = a[aOff + i] + b[bOff + i] for i in [0, n). Arrays: (n) windows. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        checkRanges("add", a, aOff, b, bOff, out, oOff, n);
        for (int i = 0; i < n; i++) out[oOff + i] = a[aOff + i] + b[bOff + i];
    }

    /** out[oOff + i] = a[aOff + i] * b[bOff + i] for i in [0, n). Arrays: (n) windows. */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        checkRanges("mul", a, aOff, b, bOff, out, oOff, n);
        for (int i = 0; i < n; i++) out[oOff + i] = a[aOff + i] * b[bOff + i];
    }

    /** Sum of a[off .. off+n), accumulated in double. */
    public static double sum(float[] a, int off, int n) {
        checkRange("sum", "a", a, off, n);
        double s = 0;
        for (int i = 0; i < n; i++) s += a[off + i];
        return s;
    }

    /** Checks that the three (n) windows lie inside their arrays. */
    static void checkRanges(String op, float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        checkRange(op, "a", a, aOff, n);
        checkRange(op, "b", b, bOff, n);
        checkRange(op, "out", out, oOff, n);
    }

    static void checkRange(String op, String name, float[] x, int off, int n) {
        if (x == null) throw new JmambaException(op + ": " + name + " is null");
        if (n < 0 || off < 0 || (long) off + n > x.length) {
            throw new JmambaException(op + ": " + name + " window [" + off + ", " + off + " + " + n
                    + ") must lie inside the array of length " + x.length);
        }
    }
}
