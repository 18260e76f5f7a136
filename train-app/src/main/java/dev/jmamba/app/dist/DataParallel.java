package dev.jmamba.app.dist;

import dev.jmamba.autograd.GradReadyListener;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.CommunicatorException;
import dev.jmamba.tensor.dist.Pending;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training over a {@link Communicator}: every rank holds the whole model, runs forward
 * and backward on its share of the global batch, and {@link #averageGradients} makes every rank's
 * gradients the mean over the ranks, so every rank takes the same optimizer step (the step one
 * process would take on the global batch, up to float summation order).
 *
 * <p>The gradients are copied into {@link GradientBuckets} (flat tensors of about 25 MiB, the last
 * parameters first), each bucket is all-reduced (summed), scaled by 1/worldSize and copied back.
 *
 * <p><b>Overlap with backward</b> (the default; PyTorch DDP's scheme). {@link #expectBackward()}
 * before the backward pass arms a {@link GradReadyListener} on every parameter: when backward has
 * added a parameter's last contribution, its gradient is copied into its bucket's slot, and when a
 * bucket's last slot is filled the bucket's all-reduce starts at once
 * ({@link Communicator#allReduceSumAsync}: on a GPU on a second stream, behind an event recorded on
 * the compute stream; on the CPU on a communication thread) while backward goes on with the earlier
 * layers. Buckets start in plan order (bucket 0 first), whatever order they fill in, so every rank
 * issues the same collectives in the same order. {@link #averageGradients} then fills and starts what
 * is left (parameters backward never reached: zeros, as in the plain path), waits for every bucket in
 * order, scales and copies back. The buckets, the slots' contents and the reduction are those of the
 * plain path, so the result is the same bits; only the timing differs.
 *
 * <p>Without {@link #expectBackward()} (or with overlap off) everything happens in
 * {@link #averageGradients}, after backward. With gradient accumulation, call it before the last
 * micro-batch's backward only: the earlier ones just add up locally.
 *
 * <p>A parameter without a gradient counts as zeros; every rank must agree on which parameters have
 * gradients (true for the models here: all parameters are used in every step).
 */
public final class DataParallel implements AutoCloseable {
    /**
     * How the gradients are combined: {@code bucketBytes} caps a bucket (PyTorch's {@code bucket_cap_mb});
     * {@code overlap} starts each bucket's all-reduce during backward.
     */
    public record Settings(long bucketBytes, boolean overlap) {
        /** 25 MiB buckets, overlapped. */
        public static final Settings DEFAULT = new Settings(GradientBuckets.DEFAULT_CAP_BYTES, true);

        public Settings {
            if (bucketBytes < 1) throw new IllegalArgumentException("the gradient bucket size must be at least 1 byte, got " + bucketBytes);
        }
    }

    private final Communicator comm;
    private final List<Parameter> params;
    private final List<GradientBuckets.Bucket> buckets;
    private final boolean overlap;
    /** One flat tensor per bucket, allocated on first use and kept (outside any Scope). */
    private final Tensor[] flats;
    /** Per parameter: its bucket and its position in that bucket. */
    private final int[] bucketOf, slotOf;
    /** Per parameter: the leaf the listener sits on (a module moved to another device gets new leaves) and the registration. */
    private final Var[] hooked;
    private final GradReadyListener.Registration[] registrations;

    // ---- the step in flight (overlap): armed by expectBackward, ended by averageGradients
    private boolean armed;
    private final boolean[] ready;
    /** Per bucket: parameters not yet in their slot. */
    private final int[] missing;
    private final Pending[] inFlight;
    /** The next bucket to start: buckets start in plan order. */
    private int nextToStart;

    /** Data parallelism of {@code params} over {@code comm}, with buckets of at most {@code bucketBytes}, overlapped. */
    public DataParallel(Communicator comm, List<Parameter> params, long bucketBytes) {
        this(comm, params, new Settings(bucketBytes, true));
    }

    /** Data parallelism of {@code params} over {@code comm} with {@code settings}. */
    public DataParallel(Communicator comm, List<Parameter> params, Settings settings) {
        this.comm = comm;
        this.params = List.copyOf(params);
        this.overlap = settings.overlap();
        int n = this.params.size();
        long[] numels = new long[n];
        DType[] dtypes = new DType[n];
        for (int i = 0; i < n; i++) {
            numels[i] = this.params.get(i).numel();
            dtypes[i] = this.params.get(i).value().dtype();
        }
        this.buckets = GradientBuckets.plan(numels, dtypes, settings.bucketBytes());
        this.flats = new Tensor[buckets.size()];
        this.bucketOf = new int[n];
        this.slotOf = new int[n];
        for (int k = 0; k < buckets.size(); k++) {
            int[] members = buckets.get(k).params();
            for (int j = 0; j < members.length; j++) {
                bucketOf[members[j]] = k;
                slotOf[members[j]] = j;
            }
        }
        this.hooked = new Var[n];
        this.registrations = new GradReadyListener.Registration[n];
        this.ready = new boolean[n];
        this.missing = new int[buckets.size()];
        this.inFlight = new Pending[buckets.size()];
    }

    public Communicator communicator() {
        return comm;
    }

    /** The bucket plan (for reports and tests). */
    public List<GradientBuckets.Bucket> buckets() {
        return buckets;
    }

    /** True when all-reduces start during backward (after {@link #expectBackward()}). */
    public boolean overlaps() {
        return overlap;
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
     * Call right before the backward pass whose gradients {@link #averageGradients} will average (with
     * gradient accumulation: the last micro-batch's): buckets are then all-reduced while that backward
     * runs. Does nothing with overlap off.
     */
    public void expectBackward() {
        if (!overlap) return;
        if (armed) {
            throw new IllegalStateException("DataParallel.expectBackward: the previous step's gradients were never averaged "
                    + "(call averageGradients after each backward that expectBackward announced)");
        }
        for (int i = 0; i < params.size(); i++) {
            Var leaf = params.get(i).var();
            if (hooked[i] != leaf) {                    // first step, or the module was moved and has new leaves
                if (registrations[i] != null) registrations[i].close();
                int index = i;
                registrations[i] = leaf.onGradReady(v -> gradientReady(index));
                hooked[i] = leaf;
            }
            ready[i] = false;
        }
        for (int k = 0; k < buckets.size(); k++) {
            missing[k] = buckets.get(k).params().length;
            inFlight[k] = null;
        }
        nextToStart = 0;
        armed = true;
    }

    /** Backward is done with parameter {@code i}: into its slot; a full bucket (and the full ones after it) starts. */
    private void gradientReady(int i) {
        if (!armed || ready[i]) return;                 // outside an announced backward (e.g. an accumulation micro-step)
        ready[i] = true;
        int k = bucketOf[i];
        fillSlot(k, slotOf[i]);
        if (--missing[k] == 0) startFullBuckets();
    }

    private void startFullBuckets() {
        while (nextToStart < buckets.size() && missing[nextToStart] == 0) {
            int k = nextToStart++;
            inFlight[k] = comm.allReduceSumAsync(flat(k));
        }
    }

    /**
     * Replaces every parameter's gradient by its mean over the ranks, and returns the mean of
     * {@code loss} (a one-element tensor) over the ranks, as a () F32 tensor in the current Scope.
     * After {@link #expectBackward()}: finishes the buckets started during backward.
     */
    public Tensor averageGradients(Tensor loss) {
        if (loss.numel() != 1) throw new CommunicatorException("averageGradients: expected a one-element loss, got " + loss);
        if (armed) {
            armed = false;
            for (int i = 0; i < params.size(); i++) {   // parameters backward never reached: their slots now
                if (!ready[i]) {
                    ready[i] = true;
                    fillSlot(bucketOf[i], slotOf[i]);
                    missing[bucketOf[i]]--;
                }
            }
            startFullBuckets();
            for (int k = 0; k < buckets.size(); k++) {
                inFlight[k].await();
                inFlight[k] = null;
                copyBackMean(k);
            }
        } else {
            for (int k = 0; k < buckets.size(); k++) {
                for (int j = 0; j < buckets.get(k).params().length; j++) fillSlot(k, j);
                comm.allReduceSum(flat(k));
                copyBackMean(k);
            }
        }
        int world = comm.worldSize();
        Tensor total = loss.reshape(1).to(DType.F32).copy();
        comm.allReduceSum(total);
        return (world == 1 ? total : total.mul(1.0 / world)).reshape();
    }

    /** Copies the gradient of the {@code j}-th parameter of bucket {@code k} into its slot (zeros when it has none). */
    private void fillSlot(int k, int j) {
        GradientBuckets.Bucket bucket = buckets.get(k);
        try (Scope scope = Scope.open()) {
            Tensor slot = flat(k).narrow(0, (int) bucket.offsets()[j], (int) bucket.numels()[j]);
            Tensor g = params.get(bucket.params()[j]).grad();
            if (g == null) slot.fill(0);
            else slot.copyFrom(g.reshape((int) bucket.numels()[j]));
        }
    }

    /** Bucket {@code k} holds the sums over the ranks: each gradient becomes its slot / worldSize. */
    private void copyBackMean(int k) {
        GradientBuckets.Bucket bucket = buckets.get(k);
        int world = comm.worldSize();
        try (Scope scope = Scope.open()) {
            Tensor flat = flat(k);
            Tensor mean = world == 1 ? flat : flat.mul(1.0 / world);
            for (int j = 0; j < bucket.params().length; j++) {
                Tensor g = params.get(bucket.params()[j]).grad();
                if (g != null) g.copyFrom(mean.narrow(0, (int) bucket.offsets()[j], (int) bucket.numels()[j]).reshape(g.shape()));
            }
        }
    }

    private Tensor flat(int k) {
        if (flats[k] == null) {
            GradientBuckets.Bucket bucket = buckets.get(k);
            if (bucket.numel() > Integer.MAX_VALUE) throw new CommunicatorException("a gradient bucket of " + bucket.numel() + " elements is too large");
            Device device = params.get(bucket.params()[0]).value().device();
            flats[k] = Scope.unowned(() -> Tensor.zeros(bucket.dtype(), device, (int) bucket.numel()));
        }
        return flats[k];
    }

    /**
     * Removes the listeners and frees the bucket tensors (the communicator stays open: its owner
     * closes it). A bucket still in flight (a step that failed; its group is being aborted) is left
     * allocated: the collective may still be reading it, and waiting for it could wait for ranks that
     * are gone.
     */
    @Override public void close() {
        for (int i = 0; i < registrations.length; i++) {
            if (registrations[i] != null) registrations[i].close();
            registrations[i] = null;
            hooked[i] = null;
        }
        armed = false;
        for (int k = 0; k < flats.length; k++) {
            if (flats[k] != null && inFlight[k] == null) flats[k].storage().release();
            flats[k] = null;
            inFlight[k] = null;
        }
    }
}
