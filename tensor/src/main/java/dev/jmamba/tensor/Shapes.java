package dev.jmamba.tensor;

import java.util.Arrays;

/** Small helpers on shape and stride arrays. */
public final class Shapes {
    private Shapes() {}

    /** Number of elements; throws on negative dims or overflow past int range. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new TensorException.Shape("shape", "non-negative dims", str(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new TensorException.Shape("shape", "at most 2^31-1 elements", str(shape));
        }
        return (int) n;
    }

    /** Row-major strides for {@code shape}. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(1, shape[i]);
        }
        return s;
    }

    /** The broadcast shape of a and b (NumPy rules), or a Shape exception naming {@code op}. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new TensorException.Shape(op, "broadcastable shapes", str(a) + " and " + str(b));
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative axis for a tensor of {@code rank}. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new TensorException.Shape(op, "axis in [" + (-rank) + ", " + rank + ")", String.valueOf(axis));
        }
        return a;
    }

    /** "(2, 3, 4)". */
    /** The permutation that undoes {@code order}: {@code t.permute(order).permute(inversePermutation(order))} has t's dim order. */
    public static int[] inversePermutation(int[] order) {
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[order[i]] = i;
        return inverse;
    }

    public static String str(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    public static boolean same(int[] a, int[] b) { return Arrays.equals(a, b); }
}
