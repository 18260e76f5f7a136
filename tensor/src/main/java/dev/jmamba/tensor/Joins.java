package dev.jmamba.tensor;

/** cat / stack / split / chunk / pad, composed from allocation and strided copies. */
final class Joins {
    private Joins() {}

    static Tensor cat(int axis, Tensor... parts) {
        if (parts.length == 0) throw new TensorException("cat", "at least one tensor", "none");
        Tensor first = parts[0];
        int a = Shapes.axis("cat", axis, first.rank());
        int total = 0;
        for (Tensor p : parts) {
            Checks.sameDevice("cat", first, p);
            Checks.sameDType("cat", first, p);
            if (p.rank() != first.rank()) throw new TensorException.Shape("cat", "tensors of rank " + first.rank(), Shapes.str(p.shapeRef()));
            for (int i = 0; i < p.rank(); i++) {
                if (i != a && p.shapeRef()[i] != first.shapeRef()[i]) {
                    throw new TensorException.Shape("cat", "equal sizes except along axis " + a,
                            Shapes.str(first.shapeRef()) + " and " + Shapes.str(p.shapeRef()));
                }
            }
            total += p.shapeRef()[a];
        }
        int[] shape = first.shape();
        shape[a] = total;
        Tensor out = Tensor.empty(first.dtype(), first.device(), shape);   // every element written below
        int at = 0;
        for (Tensor p : parts) {
            int n = p.shapeRef()[a];
            if (n > 0) out.narrow(a, at, n).copyFrom(p);
            at += n;
        }
        return out;
    }

    static Tensor stack(int axis, Tensor... parts) {
        if (parts.length == 0) throw new TensorException("stack", "at least one tensor", "none");
        int a = Shapes.axis("stack", axis, parts[0].rank() + 1);
        Tensor[] u = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].sameShape(parts[0])) {
                throw new TensorException.Shape("stack", "equal shapes", Shapes.str(parts[0].shapeRef()) + " and " + Shapes.str(parts[i].shapeRef()));
            }
            u[i] = parts[i].unsqueeze(a);
        }
        return cat(a, u);
    }

    static Tensor[] split(Tensor t, int axis, int[] sizes) {
        int a = Shapes.axis("split", axis, t.rank());
        int sum = 0;
        for (int s : sizes) sum += s;
        if (sum != t.shapeRef()[a]) {
            throw new TensorException.Shape("split", "sizes adding up to " + t.shapeRef()[a], Shapes.str(sizes));
        }
        Tensor[] out = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = t.narrow(a, at, sizes[i]);
            at += sizes[i];
        }
        return out;
    }

    static Tensor[] chunk(Tensor t, int chunks, int axis) {
        int a = Shapes.axis("chunk", axis, t.rank());
        int n = t.shapeRef()[a];
        if (chunks < 1) throw new TensorException("chunk", "chunks >= 1", String.valueOf(chunks));
        int step = Math.max(1, (n + chunks - 1) / chunks);
        int count = n == 0 ? 1 : (n + step - 1) / step;
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.min(step, n - i * step);
        return split(t, a, sizes);
    }

    static Tensor pad(Tensor t, double value, int[] pads) {
        if (pads.length % 2 != 0 || pads.length / 2 > t.rank()) {
            throw new TensorException.Shape("pad", "(before, after) pairs for at most " + t.rank() + " dims", Shapes.str(pads));
        }
        int[] shape = t.shape();
        Tensor src = t;
        int[] dstStart = new int[t.rank()];
        for (int p = 0; p < pads.length / 2; p++) {
            int d = t.rank() - 1 - p;
            int before = pads[2 * p], after = pads[2 * p + 1];
            int size = shape[d] + before + after;
            if (size < 0) throw new TensorException.Shape("pad", "a non-negative padded size", "pads " + Shapes.str(pads) + " on " + Shapes.str(t.shapeRef()));
            // negative pads crop the source
            int cropBefore = Math.max(0, -before), cropAfter = Math.max(0, -after);
            src = src.narrow(d, cropBefore, Math.max(0, src.shapeRef()[d] - cropBefore - cropAfter));
            dstStart[d] = Math.max(0, before);
            shape[d] = size;
        }
        Tensor out = Tensor.full(value, t.dtype(), t.device(), shape);
        Tensor dst = out;
        for (int d = 0; d < t.rank(); d++) dst = dst.narrow(d, dstStart[d], src.shapeRef()[d]);
        if (src.numel() > 0) dst.copyFrom(src);
        return out;
    }
}
