package dev.jmamba.app.dist;

import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.CommunicatorException;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training over a {@link Communicator}: every rank holds the whole model, runs forward
 * and backward on its share of the global batch, and then {@link #averageGradients} makes every
 * rank's gradients the mean over the ranks, so every rank takes the same optimizer step (the step one
 * process would take on the global batch, up to float summation order).
 *
 * <p>The gradients are copied into {@link GradientBuckets} (flat tensors of about 25 MiB, the last
 * parameters first), each bucket is all-reduced (summed) and scaled by 1/worldSize, and copied back.
 * This happens <em>after</em> backward: jmamba's autograd engine has no per-parameter
 * "gradient ready" hook, so the all-reduces cannot start while backward still runs (on a GPU they
 * are queued on the same stream behind backward's kernels either way; overlapping would also need a
 * second stream). A parameter without a gradient counts as zeros; every rank must agree on which
 * parameters have gradients (true for the models here: all parameters are used in every step).
 */
public final class DataParallel implements AutoCloseable {
    private final Communicator comm;
    private final List<Parameter> params;
    private final List<GradientBuckets.Bucket> buckets;
    /** One flat tensor per bucket, allocated on first use and kept (outside any Scope). */
    private final Tensor[] flats;

    /** Data parallelism of {@code params} over {@code comm}, with buckets of at most {@code bucketBytes}. */
    public DataParallel(Communicator comm, List<Parameter> params, long bucketBytes) {
        this.comm = comm;
        this.params = List.copyOf(params);
        long[] numels = new long[params.size()];
        DType[] dtypes = new DType[params.size()];
        for (int i = 0; i < numels.length; i++) {
            numels[i] = params.get(i).numel();
            dtypes[i] = params.get(i).value().dtype();
        }
        this.buckets = GradientBuckets.plan(numels, dtypes, bucketBytes);
        this.flats = new Tensor[buckets.size()];
    }

    public Communicator communicator() {
        return comm;
    }

    /** The bucket plan (for reports and tests). */
    public List<GradientBuckets.Bucket> buckets() {
        return buckets;
    }

    /**
     * Makes every rank's parameters and floating-point buffers (BatchNorm statistics) equal to rank 0's:
     * called once before the first step, so that all ranks start from the same weights whatever
     * each loaded or initialised.
     */
    public void broadcastFromRankZero(Module module) {
        for (Parameter p : params) comm.broadcast(p.value(), 0);
        for (Map.Entry<String, Tensor> e : module.namedBuffers().entrySet()) {
            Tensor b = e.getValue();
            if (b.dtype() == DType.F32 || b.dtype() == DType.F64) comm.broadcast(b, 0);
        }
    }

    /**
     * Replaces every parameter's gradient by its mean over the ranks, and returns the mean of
     * {@code loss} (a one-element tensor) over the ranks, as a () F32 tensor in the current Scope.
     */
    public Tensor averageGradients(Tensor loss) {
        int world = comm.worldSize();
        for (int k = 0; k < buckets.size(); k++) {
            GradientBuckets.Bucket bucket = buckets.get(k);
            try (Scope scope = Scope.open()) {
                Tensor flat = flat(k, bucket);
                for (int j = 0; j < bucket.params().length; j++) {
                    Tensor slot = flat.narrow(0, (int) bucket.offsets()[j], (int) bucket.numels()[j]);
                    Tensor g = params.get(bucket.params()[j]).grad();
                    if (g == null) slot.fill(0);
                    else slot.copyFrom(g.reshape((int) bucket.numels()[j]));
                }
                comm.allReduceSum(flat);
                Tensor mean = world == 1 ? flat : flat.mul(1.0 / world);
                for (int j = 0; j < bucket.params().length; j++) {
                    Tensor g = params.get(bucket.params()[j]).grad();
                    if (g != null) g.copyFrom(mean.narrow(0, (int) bucket.offsets()[j], (int) bucket.numels()[j]).reshape(g.shape()));
                }
            }
        }
        if (loss.numel() != 1) throw new CommunicatorException("averageGradients: expected a one-element loss, got " + loss);
        Tensor total = loss.reshape(1).to(DType.F32).copy();
        comm.allReduceSum(total);
        return (world == 1 ? total : total.mul(1.0 / world)).reshape();
    }

    private Tensor flat(int k, GradientBuckets.Bucket bucket) {
        if (flats[k] == null) {
            if (bucket.numel() > Integer.MAX_VALUE) throw new CommunicatorException("a gradient bucket of " + bucket.numel() + " elements is too large");
            Device device = params.get(bucket.params()[0]).value().device();
            flats[k] = Scope.unowned(() -> Tensor.zeros(bucket.dtype(), device, (int) bucket.numel()));
        }
        return flats[k];
    }

    /** Frees the bucket tensors (the communicator stays open: its owner closes it). */
    @Override public void close() {
        for (int k = 0; k < flats.length; k++) {
            if (flats[k] != null) flats[k].storage().release();
            flats[k] = null;
        }
    }
}
