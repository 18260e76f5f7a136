package dev.jmamba.tensor;

import java.util.ArrayList;
import java.util.List;

/** View ops: new shape/strides/offset over the same storage, no data movement. */
final class Views {
    private Views() {}

    private static Tensor make(Tensor t, int[] shape, int[] strides, int offset) {
        return new Tensor(t.storage(), shape, strides, offset);
    }

    /** Resolves one -1 entry and checks the element count. */
    static int[] inferShape(String op, int numel, int[] requested) {
        int[] s = requested.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new TensorException.Shape(op, "at most one -1 in the shape", Shapes.str(requested));
                infer = i;
            } else if (s[i] < 0) {
                throw new TensorException.Shape(op, "non-negative sizes", Shapes.str(requested));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new TensorException.Shape(op, "a shape compatible with " + numel + " elements", Shapes.str(requested));
            }
            s[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new TensorException.Shape(op, "a shape with " + numel + " elements", Shapes.str(requested));
        }
        return s;
    }

    /** Strides for viewing t as newShape without copying, or null if impossible (PyTorch's computeStride). */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int numel = Shapes.numel(oldShape);
        int[] ns = new int[newShape.length];
        if (numel == 0) return Shapes.contiguousStrides(newShape);
        int viewD = newShape.length - 1;
        long chunkBaseStride = oldStrides.length > 0 ? oldStrides[oldStrides.length - 1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int td = oldShape.length - 1; td >= 0; td--) {
            tensorNumel *= oldShape[td];
            if (td == 0 || (oldShape[td - 1] != 1 && oldStrides[td - 1] != tensorNumel * chunkBaseStride)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    ns[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (td > 0) {
                    chunkBaseStride = oldStrides[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) return null;
        return ns;
    }

    static Tensor view(Tensor t, int[] newShape) {
        int[] shape = inferShape("view", t.numel(), newShape);
        int[] strides = viewStrides(t.shapeRef(), t.stridesRef(), shape);
        if (strides == null) {
            throw new TensorException.Shape("view", "strides compatible with " + Shapes.str(shape) + " (use reshape to copy)",
                    "shape " + Shapes.str(t.shapeRef()) + " strides " + Shapes.str(t.stridesRef()));
        }
        return make(t, shape, strides, t.offset());
    }

    static Tensor reshape(Tensor t, int[] newShape) {
        int[] shape = inferShape("reshape", t.numel(), newShape);
        int[] strides = viewStrides(t.shapeRef(), t.stridesRef(), shape);
        if (strides != null) return make(t, shape, strides, t.offset());
        Tensor c = t.copy();
        return make(c, shape, Shapes.contiguousStrides(shape), 0);
    }

    static Tensor permute(Tensor t, int[] dims) {
        int r = t.rank();
        if (dims.length != r) throw new TensorException.Shape("permute", r + " dims", String.valueOf(dims.length));
        boolean[] seen = new boolean[r];
        int[] shape = new int[r], strides = new int[r];
        for (int i = 0; i < r; i++) {
            int d = Shapes.axis("permute", dims[i], r);
            if (seen[d]) throw new TensorException.Shape("permute", "a permutation of 0.." + (r - 1), Shapes.str(dims));
            seen[d] = true;
            shape[i] = t.shapeRef()[d];
            strides[i] = t.stridesRef()[d];
        }
        return make(t, shape, strides, t.offset());
    }

    /**
     * The dim order (largest stride first) in which {@code t} is a dense row-major block — so that
     * {@code permute(t, order)} is contiguous — or null when no order is (broadcast, sliced or
     * overlapping strides). Size-1 dims go last; their strides never matter.
     */
    static int[] denseOrder(Tensor t) {
        int r = t.rank();
        int[] shape = t.shapeRef(), strides = t.stridesRef();
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> {
            if ((shape[x] == 1) != (shape[y] == 1)) return shape[x] == 1 ? 1 : -1;
            return Integer.compare(strides[y], strides[x]);
        });
        long expected = 1;
        for (int i = r - 1; i >= 0; i--) {
            int d = order[i];
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return null;
            expected *= shape[d];
        }
        int[] out = new int[r];
        for (int i = 0; i < r; i++) out[i] = order[i];
        return out;
    }

    static Tensor transpose(Tensor t, int a, int b) {
        int r = t.rank();
        int[] p = new int[r];
        for (int i = 0; i < r; i++) p[i] = i;
        int x = Shapes.axis("transpose", a, r), y = Shapes.axis("transpose", b, r);
        p[x] = y;
        p[y] = x;
        return permute(t, p);
    }

    static Tensor narrow(Tensor t, int dim, int start, int length) {
        int d = Shapes.axis("narrow", dim, t.rank());
        int size = t.shapeRef()[d];
        if (start < 0 || length < 0 || start + length > size) {
            throw new TensorException.Shape("narrow", "a range inside [0, " + size + ") of dim " + d,
                    "start " + start + " length " + length);
        }
        int[] shape = t.shape();
        shape[d] = length;
        return make(t, shape, t.strides(), t.offset() + (length == 0 ? 0 : start * t.stridesRef()[d]));
    }

    static Tensor slice(Tensor t, int dim, int start, int end, int step) {
        int d = Shapes.axis("slice", dim, t.rank());
        int size = t.shapeRef()[d];
        if (step < 1) throw new TensorException("slice", "step >= 1", String.valueOf(step));
        int s = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
        int e = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
        int n = e > s ? (e - s + step - 1) / step : 0;
        int[] shape = t.shape(), strides = t.strides();
        shape[d] = n;
        strides[d] = strides[d] * step;
        return make(t, shape, strides, t.offset() + (n == 0 ? 0 : s * t.stridesRef()[d]));
    }

    static Tensor select(Tensor t, int dim, int index) {
        int d = Shapes.axis("select", dim, t.rank());
        int size = t.shapeRef()[d];
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) throw new TensorException.Shape("select", "index in [0, " + size + ") of dim " + d, String.valueOf(index));
        int r = t.rank();
        int[] shape = new int[r - 1], strides = new int[r - 1];
        for (int k = 0, j = 0; k < r; k++) {
            if (k == d) continue;
            shape[j] = t.shapeRef()[k];
            strides[j++] = t.stridesRef()[k];
        }
        return make(t, shape, strides, t.offset() + i * t.stridesRef()[d]);
    }

    static Tensor expand(Tensor t, int[] newShape) {
        int r = newShape.length, lead = r - t.rank();
        if (lead < 0) throw new TensorException.Shape("expand", "at least " + t.rank() + " dims", Shapes.str(newShape));
        int[] shape = new int[r], strides = new int[r];
        for (int i = 0; i < r; i++) {
            if (i < lead) {
                if (newShape[i] < 0) throw new TensorException.Shape("expand", "explicit sizes for new dims", Shapes.str(newShape));
                shape[i] = newShape[i];
                strides[i] = 0;
                continue;
            }
            int old = t.shapeRef()[i - lead];
            int want = newShape[i] == -1 ? old : newShape[i];
            if (old == want) {
                shape[i] = old;
                strides[i] = t.stridesRef()[i - lead];
            } else if (old == 1) {
                shape[i] = want;
                strides[i] = 0;
            } else {
                throw new TensorException.Shape("expand", "size-1 dims where sizes change", Shapes.str(t.shapeRef()) + " to " + Shapes.str(newShape));
            }
        }
        return make(t, shape, strides, t.offset());
    }

    static Tensor squeeze(Tensor t, int dim) {
        int d = Shapes.axis("squeeze", dim, t.rank());
        if (t.shapeRef()[d] != 1) return t;
        return select(t, d, 0);
    }

    static Tensor squeezeAll(Tensor t) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < t.rank(); i++) if (t.shapeRef()[i] != 1) keep.add(i);
        int[] shape = new int[keep.size()], strides = new int[keep.size()];
        for (int j = 0; j < keep.size(); j++) {
            shape[j] = t.shapeRef()[keep.get(j)];
            strides[j] = t.stridesRef()[keep.get(j)];
        }
        return make(t, shape, strides, t.offset());
    }

    static Tensor unsqueeze(Tensor t, int dim) {
        int r = t.rank() + 1;
        int d = Shapes.axis("unsqueeze", dim, r);
        int[] shape = new int[r], strides = new int[r];
        for (int i = 0, j = 0; i < r; i++) {
            if (i == d) {
                shape[i] = 1;
                strides[i] = j < t.rank() ? t.stridesRef()[j] * t.shapeRef()[j] : 1;
            } else {
                shape[i] = t.shapeRef()[j];
                strides[i] = t.stridesRef()[j++];
            }
        }
        return make(t, shape, strides, t.offset());
    }

    /** A view with the given dims reversed (negative strides); ops copy it before returning it to users. */
    static Tensor flipView(Tensor t, int[] dims) {
        int[] strides = t.strides();
        int offset = t.offset();
        boolean[] seen = new boolean[t.rank()];
        for (int dim : dims) {
            int d = Shapes.axis("flip", dim, t.rank());
            if (seen[d]) continue;
            seen[d] = true;
            int n = t.shapeRef()[d];
            if (n > 0) offset += (n - 1) * strides[d];
            strides[d] = -strides[d];
        }
        return make(t, t.shape(), strides, offset);
    }
}
