package dev.jmamba.tensor;

import java.util.Arrays;

/**
 * Uploads a training loop's host batches to its device ahead of use, without waiting for queued
 * work. On a CUDA device: a ring of {@code slots} slots, each with page-locked host memory and
 * device tensors of the batch's shapes; {@link #upload} copies the arrays into the next slot's
 * host memory and queues the host-to-device copies on a separate copy stream, and the compute
 * stream waits for them (an event) before anything queued afterwards, so the copy of batch k + 1
 * runs while step k computes. {@link #consumed()} marks the slot read by everything queued so far;
 * the ring reuses a slot only after that work and its previous copy are done (the host waits there
 * at most, which also bounds how far it runs ahead: {@code slots} steps). On the CPU the arrays are
 * wrapped as they are (float[] without a copy).
 *
 * <p>Inputs are fixed: one (dtype, shape) per input; {@link #upload} takes one Java array per input
 * ({@code float[]} for F32, {@code int[]} for I32, {@code long[]} for I64) with exactly the shape's
 * element count.
 */
public interface BatchStaging extends AutoCloseable {

    /** A ring for {@code device} with {@code slots} (≥ 1) slots of inputs (dtypes[i], shapes[i]). */
    static BatchStaging create(Device device, int slots, DType[] dtypes, int[][] shapes) {
        if (slots < 1) throw new JmambaException("BatchStaging: expected at least 1 slot, got " + slots);
        if (dtypes.length != shapes.length || dtypes.length == 0) {
            throw new JmambaException("BatchStaging: expected one dtype per shape (at least one input), got " + dtypes.length + " and " + shapes.length);
        }
        for (DType d : dtypes) {
            if (d != DType.F32 && d != DType.I32 && d != DType.I64) throw new JmambaException("BatchStaging: inputs must be F32, I32 or I64, got " + d);
        }
        return Backends.raw(device).batchStaging(slots, dtypes.clone(), deepCopy(shapes));
    }

    /** The host ring (what a CPU backend gives): the arrays wrapped as tensors. */
    static BatchStaging onHost(DType[] dtypes, int[][] shapes) {
        return new Host(dtypes, shapes);
    }

    private static int[][] deepCopy(int[][] shapes) {
        int[][] out = new int[shapes.length][];
        for (int i = 0; i < shapes.length; i++) out[i] = shapes[i].clone();
        return out;
    }

    /** Queues the upload of one batch (one array per input) and returns its device tensors. */
    Tensor[] upload(Object... arrays);

    /** Marks the latest upload's tensors as read by the work queued so far. */
    void consumed();

    /** Waits for this ring's copies and frees its memory; tensors it returned must not be used afterwards. */
    @Override void close();

    /** Checks one array against its input: the Java type of the dtype and the element count of the shape. */
    static void check(int input, DType dtype, int[] shape, Object array) {
        int n = Shapes.numel(shape);
        int length = switch (array) {
            case float[] f when dtype == DType.F32 -> f.length;
            case int[] a when dtype == DType.I32 -> a.length;
            case long[] a when dtype == DType.I64 -> a.length;
            case null -> throw new JmambaException("BatchStaging.upload: input " + input + " is null");
            default -> throw new JmambaException("BatchStaging.upload: input " + input + " must be a " + dtype
                    + " array (" + (dtype == DType.F32 ? "float[]" : dtype == DType.I32 ? "int[]" : "long[]") + "), got " + array.getClass().getSimpleName());
        };
        if (length != n) {
            throw new JmambaException("BatchStaging.upload: input " + input + " must hold " + n + " values for shape "
                    + Arrays.toString(shape) + ", got " + length);
        }
    }

    /** The CPU ring: wraps the arrays. */
    final class Host implements BatchStaging {
        private final DType[] dtypes;
        private final int[][] shapes;

        private Host(DType[] dtypes, int[][] shapes) {
            this.dtypes = dtypes;
            this.shapes = shapes;
        }

        @Override public Tensor[] upload(Object... arrays) {
            if (arrays.length != dtypes.length) {
                throw new JmambaException("BatchStaging.upload: expected " + dtypes.length + " arrays, got " + arrays.length);
            }
            Tensor[] out = new Tensor[arrays.length];
            for (int i = 0; i < arrays.length; i++) {
                check(i, dtypes[i], shapes[i], arrays[i]);
                out[i] = switch (arrays[i]) {
                    case float[] f -> Tensor.wrap(f, shapes[i]);
                    case int[] a -> Tensor.of(a, shapes[i]);
                    case long[] a -> Tensor.of(a, shapes[i]);
                    default -> throw new AssertionError();
                };
            }
            return out;
        }

        @Override public void consumed() {}

        @Override public void close() {}
    }
}
