package dev.jmamba.tensor;

/** Axis handling for reductions and the reductions composed from primitives. */
final class Reductions {
    private Reductions() {}

    /** Flags for {@code axes}; no axes means all of them. */
    static boolean[] flags(String op, int rank, int[] axes) {
        boolean[] f = new boolean[rank];
        if (axes.length == 0) {
            java.util.Arrays.fill(f, true);
            return f;
        }
        for (int a : axes) f[Shapes.axis(op, a, rank)] = true;
        return f;
    }

    static Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepdim) {
        String name = op.name().toLowerCase();
        if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && x.numel() == 0) {
            throw new TensorException.Shape(name, "a non-empty tensor", Shapes.str(x.shapeRef()));
        }
        return x.backend().reduce(op, x, flags(name, x.rank(), axes), keepdim);
    }

    static Tensor var(Tensor x, boolean unbiased, boolean keepdim, int[] axes) {
        boolean[] f = flags("var", x.rank(), axes);
        long n = 1;
        for (int i = 0; i < f.length; i++) if (f[i]) n *= x.shapeRef()[i];
        Tensor mean = x.backend().reduce(ReduceOp.MEAN, x, f, true);
        Tensor sq = x.sub(mean).square();
        Tensor s = x.backend().reduce(ReduceOp.SUM, sq, f, keepdim);
        return s.div(Math.max(1, unbiased ? n - 1 : n));
    }

    /** Sums {@code x} down to {@code target} (a shape x was broadcast from). */
    static Tensor sumTo(Tensor x, int[] target) {
        int[] s = x.shapeRef();
        if (Shapes.same(s, target)) return x;
        int lead = s.length - target.length;
        if (lead < 0) throw new TensorException.Shape("sumTo", "a shape of rank <= " + s.length, Shapes.str(target));
        boolean[] f = new boolean[s.length];
        for (int i = 0; i < s.length; i++) {
            if (i < lead) f[i] = true;
            else if (target[i - lead] == 1 && s[i] != 1) f[i] = true;
            else if (target[i - lead] != s[i]) {
                throw new TensorException.Shape("sumTo", "a shape " + Shapes.str(s) + " broadcasts from", Shapes.str(target));
            }
        }
        Tensor r = x.backend().reduce(ReduceOp.SUM, x, f, true);
        return r.reshape(target);
    }
}
