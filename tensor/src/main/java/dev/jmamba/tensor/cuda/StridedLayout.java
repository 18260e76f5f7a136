package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The loop shape of a strided kernel: the output shape with size-1 dims dropped and neighbouring
 * dims merged wherever every operand steps through them back to back (as the CPU's Strided
 * does), plus each operand's strides over the merged shape. Fully contiguous operands end up as
 * one dim of stride 1, which the launchers detect for their fast paths. Packs the
 * {@code JmShape} (36 bytes) and {@code JmStrides} (72 bytes) structs of jm_common.cuh.
 */
final class StridedLayout {
    /** Bytes of {@code struct JmShape}: int ndim, int size[8]. */
    static final long SHAPE_BYTES = 4 + 4L * Launcher.MAX_DIMS;
    /** Bytes of {@code struct JmStrides}: long long offset, long long stride[8]. */
    static final long STRIDES_BYTES = 8 + 8L * Launcher.MAX_DIMS;

    final int[] shape;       // (ndim) merged sizes, ndim >= 1
    final long[][] strides;  // [operand] (ndim)
    final long[] offsets;    // [operand] element offsets
    final int numel;

    private StridedLayout(int[] shape, long[][] strides, long[] offsets, int numel) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
        this.numel = numel;
    }

    /**
     * Plans a loop over {@code shape} (rank r); {@code strides[k]} (r) and {@code offsets[k]} belong
     * to operand k. Throws when more than 8 dims remain after merging.
     */
    static StridedLayout plan(String op, int[] shape, int[][] strides, int[] offsets) {
        int ops = strides.length, r = shape.length;
        int numel = Shapes.numel(shape);
        int[] merged = new int[Math.max(1, r)];
        long[][] st = new long[ops][Math.max(1, r)];
        int n = 0;
        for (int d = 0; d < r; d++) {
            if (shape[d] == 1) continue;  // size-1 dims never move an offset
            if (n > 0) {
                boolean merge = true;
                for (int k = 0; k < ops; k++) {
                    if (st[k][n - 1] != (long) strides[k][d] * shape[d]) { merge = false; break; }
                }
                if (merge) {
                    merged[n - 1] *= shape[d];
                    for (int k = 0; k < ops; k++) st[k][n - 1] = strides[k][d];
                    continue;
                }
            }
            merged[n] = shape[d];
            for (int k = 0; k < ops; k++) st[k][n] = strides[k][d];
            n++;
        }
        if (n == 0) {  // a scalar, or all dims of size 1 (or an empty tensor with only size-0 dims merged away)
            merged[0] = numel == 0 ? 0 : 1;
            for (int k = 0; k < ops; k++) st[k][0] = 1;
            n = 1;
        }
        if (n > Launcher.MAX_DIMS) {
            throw new TensorException.Shape(op, "at most " + Launcher.MAX_DIMS + " dims after merging contiguous ones on CUDA",
                    Shapes.str(shape) + " (" + n + " dims)");
        }
        long[][] outStrides = new long[ops][];
        long[] outOffsets = new long[ops];
        for (int k = 0; k < ops; k++) {
            outStrides[k] = Arrays.copyOf(st[k], n);
            outOffsets[k] = offsets[k];
        }
        return new StridedLayout(Arrays.copyOf(merged, n), outStrides, outOffsets, numel);
    }

    /** Strides of {@code t} broadcast to {@code shape} (0 along broadcast and new leading dims). */
    static int[] broadcastStrides(Tensor t, int[] shape) {
        int[] ts = t.shape(), st = t.strides();
        int[] out = new int[shape.length];
        int lead = shape.length - ts.length;
        for (int i = lead; i < shape.length; i++) out[i] = ts[i - lead] == 1 && shape[i] != 1 ? 0 : st[i - lead];
        return out;
    }

    /** True when operand k walks its elements contiguously (one merged dim, stride 1). */
    boolean contiguous(int k) {
        return shape.length == 1 && strides[k][0] == 1;
    }

    /** Writes {@code struct JmShape} into {@code slot}. */
    void packShape(MemorySegment slot) {
        slot.fill((byte) 0);
        slot.set(JAVA_INT, 0, shape.length);
        for (int d = 0; d < shape.length; d++) slot.set(JAVA_INT, 4 + 4L * d, shape[d]);
    }

    /** Writes operand k's {@code struct JmStrides} into {@code slot}. */
    void packStrides(int k, MemorySegment slot) {
        slot.fill((byte) 0);
        slot.set(JAVA_LONG, 0, offsets[k]);
        for (int d = 0; d < shape.length; d++) slot.set(JAVA_LONG, 8 + 8L * d, strides[k][d]);
    }

    /** Element offset of operand k for linear output index i: the index math of jm_offset (for tests). */
    long offsetOf(int k, long i) {
        long off = offsets[k];
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * strides[k][d];
            i /= shape[d];
        }
        return off;
    }
}
