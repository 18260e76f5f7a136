package dev.jmamba.app.dist;

import dev.jmamba.tensor.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * How the gradients are packed for the all-reduce: consecutive parameters, taken in <em>reverse</em>
 * order (the order backward produces their gradients, as in PyTorch's DDP), fill a bucket of at most
 * {@code capBytes}; a parameter larger than the cap gets a bucket of its own, and a change of dtype
 * starts a new bucket. Few large all-reduces instead of one per parameter: NCCL's per-call cost is
 * paid once per bucket, and each bucket is one flat tensor.
 */
public final class GradientBuckets {
    /** PyTorch DDP's default bucket size: 25 MiB. */
    public static final long DEFAULT_CAP_BYTES = 25L << 20;

    private GradientBuckets() {}

    /**
     * One bucket: parameter {@code params[i]} occupies elements {@code [offsets[i], offsets[i] + numels[i])}
     * of a flat tensor of {@code numel} elements of {@code dtype}.
     */
    public record Bucket(int[] params, long[] offsets, long[] numels, long numel, DType dtype) {
        public long bytes() {
            return numel * dtype.bytes();
        }
    }

    /** The buckets for parameters with these element counts and dtypes (index = parameter order), the last parameter first. */
    public static List<Bucket> plan(long[] numels, DType[] dtypes, long capBytes) {
        if (numels.length != dtypes.length) throw new IllegalArgumentException("plan: " + numels.length + " sizes but " + dtypes.length + " dtypes");
        if (capBytes < 1) throw new IllegalArgumentException("plan: the bucket cap must be at least 1 byte, got " + capBytes);
        List<Bucket> buckets = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long bytes = 0;
        DType dtype = null;
        for (int i = numels.length - 1; i >= 0; i--) {
            long b = numels[i] * dtypes[i].bytes();
            if (!current.isEmpty() && (bytes + b > capBytes || dtypes[i] != dtype)) {
                buckets.add(bucket(current, numels, dtype));
                current.clear();
                bytes = 0;
            }
            current.add(i);
            bytes += b;
            dtype = dtypes[i];
        }
        if (!current.isEmpty()) buckets.add(bucket(current, numels, dtype));
        return buckets;
    }

    private static Bucket bucket(List<Integer> members, long[] numels, DType dtype) {
        int[] params = new int[members.size()];
        long[] offsets = new long[params.length], sizes = new long[params.length];
        long offset = 0;
        for (int k = 0; k < params.length; k++) {
            params[k] = members.get(k);
            offsets[k] = offset;
            sizes[k] = numels[params[k]];
            offset += sizes[k];
        }
        return new Bucket(params, offsets, sizes, offset, dtype);
    }
}
