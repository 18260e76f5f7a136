package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;

/** gather / scatter-add / index-select / index-add on the CPU (PyTorch semantics). */
final class IndexCpu {
    private IndexCpu() {}

    private static long checkIndex(String op, long v, int size, int axis) {
        if (v < 0 || v >= size) throw new TensorException.Shape(op, "indices in [0, " + size + ") along axis " + axis, String.valueOf(v));
        return v;
    }

    /** Strides of {@code t} with the axis stride zeroed (the index supplies that coordinate). */
    private static int[] withoutAxis(Tensor t, int axis) {
        int[] s = t.strides();
        s[axis] = 0;
        return s;
    }

    static Tensor gather(Tensor x, int axis, Tensor index) {
        Tensor out = ElementwiseCpu.newTensor(x.dtype(), index.shape());
        Strided p = Strided.plan(index.shape(), new int[][] {out.strides(), index.strides(), withoutAxis(x, axis)},
                new int[] {0, index.offset(), x.offset()});
        int so = p.innerStride(0), si = p.innerStride(1), sx = p.innerStride(2);
        Object O = ElementwiseCpu.arr(out), I = ElementwiseCpu.arr(index), X = ElementwiseCpu.arr(x);
        DType dt = x.dtype(), it = index.dtype();
        int axisStride = x.strides()[axis], size = x.size(axis);
        p.forEachRow((off, n) -> {
            for (int i = 0; i < n; i++) {
                long j = checkIndex("gather", (long) ElementwiseCpu.get(I, it, off[1] + i * si), size, axis);
                ElementwiseCpu.put(O, dt, off[0] + i * so, ElementwiseCpu.get(X, dt, off[2] + i * sx + (int) j * axisStride));
            }
        });
        return out;
    }

    static Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) {
        Tensor out = target.copy();
        Tensor s = src.to(out.dtype());
        Strided p = Strided.plan(index.shape(), new int[][] {withoutAxis(out, axis), index.strides(), s.strides()},
                new int[] {0, index.offset(), s.offset()});
        int so = p.innerStride(0), si = p.innerStride(1), ss = p.innerStride(2);
        Object O = ElementwiseCpu.arr(out), I = ElementwiseCpu.arr(index), S = ElementwiseCpu.arr(s);
        DType dt = out.dtype(), it = index.dtype();
        int axisStride = out.strides()[axis], size = out.size(axis);
        for (int d = 0; d < index.rank(); d++) {
            if (d != axis && index.size(d) > out.size(d)) {
                throw new TensorException.Shape("scatterAdd", "index dims <= target dims except along axis " + axis, java.util.Arrays.toString(index.shape()));
            }
        }
        // serial: several source elements may land on one target element
        p.forEachRowSerial((off, n) -> {
            for (int i = 0; i < n; i++) {
                long j = checkIndex("scatterAdd", (long) ElementwiseCpu.get(I, it, off[1] + i * si), size, axis);
                int t = off[0] + i * so + (int) j * axisStride;
                ElementwiseCpu.put(O, dt, t, ElementwiseCpu.get(O, dt, t) + ElementwiseCpu.get(S, dt, off[2] + i * ss));
            }
        });
        return out;
    }

    static Tensor indexSelect(Tensor x, int axis, Tensor index) {
        long[] idx = index.toLongArray();
        int[] shape = x.shape();
        shape[axis] = idx.length;
        Tensor out = ElementwiseCpu.newTensor(x.dtype(), shape);
        for (int k = 0; k < idx.length; k++) {
            int j = (int) checkIndex("indexSelect", idx[k], x.size(axis), axis);
            out.select(axis, k).copyFrom(x.select(axis, j));
        }
        return out;
    }

    static Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) {
        long[] idx = index.toLongArray();
        Tensor out = target.copy();
        for (int k = 0; k < idx.length; k++) {
            int j = (int) checkIndex("indexAdd", idx[k], target.size(axis), axis);
            Tensor slot = out.select(axis, j);
            slot.copyFrom(slot.add(src.select(axis, k)));
        }
        return out;
    }
}
