package dev.jmamba.autograd.rules;

import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;

/** Small tensor helpers shared by the rules; none of them looks at the device. */
final class Grads {
    private Grads() {}

    /** A 0-d tensor of {@code like}'s dtype and device. */
    static Tensor scalar(Tensor like, double value) { return Tensor.scalar(value, like.dtype(), like.device()); }

    /** Zeros of {@code like}'s dtype and device with the given shape. */
    static Tensor zeros(Tensor like, int[] shape) { return Tensor.zeros(like.dtype(), like.device(), shape); }

    /** Which dims {@code axes} reduces (no axes: all of them). */
    static boolean[] reduced(int rank, int[] axes) {
        boolean[] f = new boolean[rank];
        if (axes.length == 0) java.util.Arrays.fill(f, true);
        for (int a : axes) f[Shapes.axis("reduce", a, rank)] = true;
        return f;
    }

    /** The shape of a reduction with keepdim = true: reduced dims become 1. */
    static int[] keptShape(int[] xShape, int[] axes) {
        boolean[] f = reduced(xShape.length, axes);
        int[] s = xShape.clone();
        for (int i = 0; i < s.length; i++) if (f[i]) s[i] = 1;
        return s;
    }

    /** Number of elements each output of the reduction summarises. */
    static long reducedCount(int[] xShape, int[] axes) {
        boolean[] f = reduced(xShape.length, axes);
        long n = 1;
        for (int i = 0; i < f.length; i++) if (f[i]) n *= xShape[i];
        return n;
    }

    static Tensor[] one(Tensor g) { return new Tensor[] {g}; }
}
