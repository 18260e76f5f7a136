package dev.jmamba.app.data;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Training batches decoded straight into device memory (the DALI-style path of {@code train
 * --decoder nvjpeg}): worker threads read the files, decode them with a {@link SlotDecoding} (nvJPEG:
 * Huffman decoding on the worker, the rest on the GPU) and crop, resample, flip and normalise each
 * into its slot of a (B, 3, S, S) device buffer; random erasing's boxes are drawn on the worker from the
 * sample's stream and their noise written over the slot; mixup / cutmix then mixes the buffer with
 * tensor ops ({@link MixupCutmix#apply(Tensor, int[], java.util.SplittableRandom)}).
 *
 * <p><b>The same batches as {@link DataLoader}.</b> Epoch e's order is {@link Seeds#permutation},
 * this process's share of batch b is {@link Shard#indices}, sample i draws its crop and flip from
 * {@link Seeds#forSample}(seed, e, i) through {@link FusedCrop#plan} and batch b its mixing from
 * {@link Seeds#forBatch}(seed, e, b), and {@link #epoch(int, int)} starts in the middle of an epoch.
 * So given the same decoded pixels a batch equals the host loader's with DCT scaling off (the crop is
 * done at full decode size) bit for bit; nvJPEG's pixels differ from libjpeg-turbo's by the IDCT's
 * rounding and its replicated chroma. A file the slot decoder cannot decode (CMYK, damaged) is
 * decoded on the host ({@link Dataset#loadFused}, which also replaces unreadable images) and copied
 * into its slot.
 *
 * <p><b>Ring and ordering.</b> {@code slots} (≥ 2) device buffers are used in turn; batch k goes into
 * slot k mod slots and is started only after batch k − slots was {@link DeviceBatch#release()
 * released}, whose call records the slot's {@link SlotDecoding.Fence} after the step that read it:
 * the writers wait for that fence on the device before they write, so a slot is never overwritten
 * while a step still reads it. A batch is handed out once its workers' writes are finished (each
 * worker waits for its own queued writes at the end of its share), so the step queued next never
 * reads an unwritten slot. Up to slots − 1 batches are being decoded while the consumer's step runs.
 */
public final class DeviceBatchLoader implements AutoCloseable {

    /**
     * @param batchSize images per batch B (of this process)
     * @param workers   worker threads W ≥ 1 (each with its own slot writer)
     * @param slots     device buffers in the ring, ≥ 2
     * @param seed      root seed for order and augmentation
     */
    public record Options(int batchSize, int workers, int slots, long seed) {
        public Options {
            if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
            if (slots < 2) throw new IllegalArgumentException("the device batch ring needs at least 2 slots, got " + slots);
        }

        /** Training with three device buffers: two batches decoded ahead of the step. */
        public static Options training(int batchSize, int workers, long seed) {
            return new Options(batchSize, workers, 3, seed);
        }
    }

    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final Dataset data;
    private final FusedCrop crop;
    /** Random erasing after the crop (drawn on the host, boxes written into the slot), or null. */
    private final RandomErasing erasing;
    private final MixupCutmix mixing;
    private final Options options;
    private final Shard shard;
    private final SlotDecoding decoding;
    private final ExecutorService executor;
    private final ThreadLocal<SlotDecoding.Writer> writers = new ThreadLocal<>();
    private final List<SlotDecoding.Writer> opened = new ArrayList<>();
    private final Tensor[] slots;
    private final SlotDecoding.Fence[] fences;
    private final StageTimes times = new StageTimes();
    private final AtomicInteger hostDecoded = new AtomicInteger();
    /** Batches started over the loader's life: the k-th goes into slot k mod slots. */
    private long started;
    /** Slots holding a batch that was started and not yet released (or abandoned). */
    private final boolean[] busy;
    private boolean closed;

    /**
     * @param data   the training split; every sample must be a file ({@link Dataset#file})
     * @param crop   the per-sample transforms ({@link FusedCrop}, with random erasing as the only tail transform, if any);
     *               used at full decode size
     * @param mixing batch-level mixup / cutmix, or null
     */
    public DeviceBatchLoader(Dataset data, FusedCrop crop, MixupCutmix mixing, Options options, Shard shard, SlotDecoding decoding) {
        if (crop.tail() != null && !(crop.tail() instanceof RandomErasing)) {
            throw new IllegalArgumentException("device batches take random erasing as the only per-sample tail transform, got " + crop.tail());
        }
        if (data.size() > 0 && data.file(0) == null) throw new IllegalArgumentException(data.description() + " is not a folder of image files");
        if (mixing != null && mixing.numClasses() != data.numClasses()) {
            throw new IllegalArgumentException("mixup is set up for " + mixing.numClasses() + " classes but " + data.description()
                    + " has " + data.numClasses());
        }
        String why = decoding.unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        this.data = data;
        this.crop = new FusedCrop(crop.geometry(), crop.flipProbability(), crop.normalization(), crop.tail(), false);
        this.erasing = (RandomErasing) crop.tail();
        this.mixing = mixing;
        this.options = options;
        this.shard = shard;
        this.decoding = decoding;
        int s = this.crop.size();
        this.slots = new Tensor[options.slots()];
        this.fences = new SlotDecoding.Fence[options.slots()];
        this.busy = new boolean[options.slots()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = Scope.unowned(() -> Tensor.empty(DType.F32, decoding.device(), options.batchSize(), 3, s, s));
            fences[i] = decoding.newFence();
            fences[i].record();                                 // the first writes come after the buffer's allocation
        }
        String prefix = "jmamba-device-data-" + POOL_NUMBER.incrementAndGet() + "-";
        AtomicInteger threadNumber = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, prefix + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The (C, H, W) shape of every image of a batch. */
    public int[] imageShape() {
        return new int[] {3, crop.size(), crop.size()};
    }

    /** Batches per epoch: whole (global) batches only. */
    public int batchesPerEpoch() {
        int n = data.size();
        return shard.worldSize() > 1 ? shard.batchesPerEpoch(n, options.batchSize()) : n / options.batchSize();
    }

    /** Per-stage times: decode = file read + header + the slot decoder's host work (nvJPEG: Huffman decoding). */
    public StageTimes stageTimes() {
        return times;
    }

    /** Images decoded on the host so far because the slot decoder could not decode them. */
    public int hostDecoded() {
        return hostDecoded.get();
    }

    /** Iterates over the batches of {@code epoch} from {@code startBatch} on. */
    public EpochIterator epoch(int epoch, int startBatch) {
        if (startBatch < 0 || startBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("start batch " + startBatch + " outside [0, " + batchesPerEpoch() + "]");
        }
        return new EpochIterator(epoch, startBatch);
    }

    private int[] batchIndices(int[] order, int batchIndex) {
        if (shard.worldSize() > 1) return shard.indices(order, options.batchSize(), batchIndex);
        int[] indices = new int[options.batchSize()];
        System.arraycopy(order, batchIndex * options.batchSize(), indices, 0, indices.length);
        return indices;
    }

    /** One batch being written into its slot. */
    private final class Pending {
        final int epoch, batchIndex, slot;
        final int[] indices, labels;
        final CountDownLatch done;
        final AtomicBoolean abandoned = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Pending(int epoch, int batchIndex, int slot, int[] indices, int slices) {
            this.epoch = epoch;
            this.batchIndex = batchIndex;
            this.slot = slot;
            this.indices = indices;
            this.labels = new int[indices.length];
            this.done = new CountDownLatch(slices);
        }
    }

    private Pending start(int epoch, int batchIndex, int[] indices) {
        int slot = (int) (started++ % slots.length);
        busy[slot] = true;
        int size = indices.length;
        int slices = Math.min(options.workers(), size);
        Pending p = new Pending(epoch, batchIndex, slot, indices, slices);
        for (int s = 0; s < slices; s++) {
            int from = (int) ((long) size * s / slices), to = (int) ((long) size * (s + 1) / slices);
            executor.execute(() -> {
                try {
                    if (!p.abandoned.get()) fill(p, from, to);
                } catch (Throwable t) {
                    p.failure.compareAndSet(null, t);
                } finally {
                    p.done.countDown();
                }
            });
        }
        return p;
    }

    /** Writes samples [from, to) of {@code p} into its slot, then waits for this worker's writes. */
    private void fill(Pending p, int from, int to) {
        SlotDecoding.Writer writer = writer();
        try {
            for (int k = from; k < to && !p.abandoned.get(); k++) p.labels[k] = loadOne(writer, p, k);
        } finally {
            writer.finish();
        }
    }

    private int loadOne(SlotDecoding.Writer writer, Pending p, int k) {
        int index = p.indices[k];
        Tensor out = slots[p.slot];
        SlotDecoding.Fence free = fences[p.slot];
        Path file = data.file(index);
        long t0 = System.nanoTime();
        try {
            byte[] bytes = Files.readAllBytes(file);
            int[] size = writer.size(bytes, file.toString());
            java.util.SplittableRandom rng = Seeds.forSample(options.seed(), p.epoch, index);
            FusedCrop.Plan plan = crop.plan(size[1], size[0], rng);
            writer.decodeCrop(bytes, file.toString(), crop, plan, out, k, free);
            if (erasing != null) {                            // the stream goes on where the crop's draws left it, as on the host
                RandomErasing.Box box = erasing.draw(3, crop.size(), crop.size(), rng);
                if (box != null) writer.writeBox(box, out, k, free);
            }
            times.decode(System.nanoTime() - t0);
            times.sample();
            return data.label(index);
        } catch (IOException | UncheckedIOException | JmambaException e) {
            // not decodable by the slot decoder (or unreadable): the host path decodes it or substitutes the next readable image
            hostDecoded.incrementAndGet();
            int s = crop.size();
            float[] pixels = new float[3 * s * s];
            int label = data.loadFused(index, crop, () -> Seeds.forSample(options.seed(), p.epoch, index), pixels, 0, times);
            writer.write(pixels, out, k, free);
            times.sample();
            return label;
        }
    }

    private SlotDecoding.Writer writer() {
        SlotDecoding.Writer w = writers.get();
        if (w == null) {
            w = decoding.newWriter();
            writers.set(w);
            synchronized (opened) {
                opened.add(w);
            }
        }
        return w;
    }

    /** Called by {@link DeviceBatch#release()}: the slot's readers are queued; record its fence. */
    private void release(int slot) {
        if (closed || !busy[slot]) return;
        fences[slot].record();
        busy[slot] = false;
    }

    /** Stops the workers, waits for the device, frees the writers, fences and buffers. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (opened) {
            for (SlotDecoding.Writer w : opened) w.close();
            opened.clear();
        }
        Backends.of(decoding.device()).synchronize();         // steps that read the slots are done
        for (SlotDecoding.Fence f : fences) f.close();
        for (Tensor t : slots) t.storage().release();
    }

    /**
     * The batches of one epoch in order. Each batch is split into up to W slices written in
     * parallel; batches are started as slots come free. Close it to abandon the rest of the epoch.
     */
    public final class EpochIterator implements Iterator<DeviceBatch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int total;
        private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        private int nextToStart, nextToReturn;

        private EpochIterator(int epoch, int startBatch) {
            this.epoch = epoch;
            this.order = Seeds.permutation(options.seed(), epoch, data.size());
            this.total = batchesPerEpoch();
            this.nextToStart = startBatch;
            this.nextToReturn = startBatch;
            topUp();
        }

        @Override public boolean hasNext() {
            return nextToReturn < total;
        }

        @Override public DeviceBatch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has only " + total + " batches");
            topUp();
            Pending p = inFlight.poll();
            if (p == null) {
                throw new IllegalStateException("no device batch slot is free: release each DeviceBatch before asking for the next ("
                        + slots.length + " slots)");
            }
            nextToReturn++;
            long t0 = System.nanoTime();
            await(p);
            long waited = System.nanoTime() - t0;
            int readyBehind = 0;
            for (Pending q : inFlight) {
                if (q.done.getCount() > 0) break;
                readyBehind++;
            }
            times.batch(waited, readyBehind);
            Tensor images = slots[p.slot];
            float[] soft = null;
            if (mixing != null) {
                long t1 = System.nanoTime();
                soft = mixing.apply(images, p.labels, Seeds.forBatch(options.seed(), epoch, p.batchIndex)).softTargets();
                times.collate(System.nanoTime() - t1);
            }
            AtomicBoolean once = new AtomicBoolean();
            int slot = p.slot;
            DeviceBatch batch = new DeviceBatch(images, p.labels, soft, p.indices, epoch, p.batchIndex, () -> {
                if (once.compareAndSet(false, true)) release(slot);
            });
            return batch;
        }

        /**
         * Waits until the batches in preparation are written (without handing them out): afterwards no
         * worker calls the device until the next {@link #next()} — e.g. while the training thread
         * captures a CUDA graph, which other threads' device calls could disturb.
         */
        public void quiesce() {
            try {
                for (Pending p : inFlight) {
                    while (!p.done.await(100, TimeUnit.MILLISECONDS)) {
                        if (executor.isShutdown()) return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Starts batches while the next slot of the ring is free (its previous batch was released or abandoned). */
        private void topUp() {
            if (closed || executor.isShutdown()) throw new DataException("the device batch loader is closed (epoch " + epoch + ", batch " + nextToReturn + ")");
            while (!busy[(int) (started % slots.length)] && nextToStart < total) {
                inFlight.add(start(epoch, nextToStart, batchIndices(order, nextToStart)));
                nextToStart++;
            }
        }

        private void await(Pending p) {
            try {
                while (!p.done.await(100, TimeUnit.MILLISECONDS)) {
                    if (executor.isShutdown()) {
                        throw new DataException("the device batch loader was closed while batch " + p.batchIndex + " of epoch " + epoch + " was pending");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon();
                throw new DataException("interrupted while waiting for batch " + p.batchIndex + " of epoch " + epoch, e);
            }
            Throwable cause = p.failure.get();
            if (cause != null) {
                busy[p.slot] = false;                                // the failed batch's slot is not handed out
                abandon();
                throw new DataException("loading batch " + p.batchIndex + " of epoch " + epoch + " failed: " + cause, cause);
            }
        }

        /** Abandons the batches in preparation: waits for their running slices, frees their slots. */
        private void abandon() {
            for (Pending p : inFlight) p.abandoned.set(true);
            for (Pending p : inFlight) {
                try {
                    while (!p.done.await(100, TimeUnit.MILLISECONDS)) {
                        if (executor.isTerminated()) break;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                busy[p.slot] = false;
            }
            inFlight.clear();
            nextToReturn = total;
            nextToStart = total;
        }

        /** Abandons the rest of the epoch (batches handed out must have been released). */
        @Override public void close() {
            abandon();
        }
    }
}
