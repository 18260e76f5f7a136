package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds batches of a {@link Dataset} on its own pool of {@code workers} daemon threads, keeping up to
 * {@code prefetch} batches in preparation ahead of the consumer.
 *
 * <p><b>Determinism.</b> The sample order of epoch e is {@link Seeds#permutation}(seed, e, N) when shuffling,
 * else 0..N-1. Sample i is transformed with the stream {@link Seeds#forSample}(seed, e, i) and batch b is
 * mixed with {@link Seeds#forBatch}(seed, e, b). Nothing depends on which thread did what, so the batches are
 * bit-identical for any worker count, and {@link #epoch(int, int)} can resume in the middle of an epoch.
 *
 * <p><b>Failures.</b> An exception in a worker (e.g. a {@link DataException}) surfaces from
 * {@link EpochIterator#next()} as a {@link DataException} naming the batch, with the original as cause.
 * Folder data replaces unreadable images itself (see {@link ImageFolder}).
 */
public final class DataLoader implements AutoCloseable {

    /**
     * Loader settings.
     *
     * @param batchSize images per batch B
     * @param shuffle   random order per epoch (training) or fixed order 0..N-1 (evaluation)
     * @param dropLast  drop the last incomplete batch
     * @param workers   worker threads W ≥ 1
     * @param prefetch  batches prepared ahead P ≥ 1
     * @param seed      root seed for order and augmentation
     */
    public record Options(int batchSize, boolean shuffle, boolean dropLast, int workers, int prefetch, long seed) {
        public Options {
            if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
            if (prefetch <= 0) throw new IllegalArgumentException("prefetch must be positive, got " + prefetch);
        }

        /** Training: shuffled, drop last. */
        public static Options training(int batchSize, int workers, long seed) {
            return new Options(batchSize, true, true, workers, 2 * workers + 2, seed);
        }

        /** Evaluation: fixed order, keep the last partial batch. */
        public static Options evaluation(int batchSize, int workers) {
            return new Options(batchSize, false, false, workers, 2 * workers + 2, 0);
        }
    }

    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final Dataset dataset;
    private final SamplePipeline pipeline;
    private final MixupCutmix mixing;
    private final Options options;
    private final ExecutorService executor;
    private final StageTimes times = new StageTimes();
    /** Image arrays of full batches handed back by the consumer ({@link #recycle}), reused instead of allocating. */
    private final ConcurrentLinkedQueue<float[]> spareImages = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spares = new AtomicInteger();
    /** This process's share of each batch in a data-parallel run ({@link Shard#NONE} otherwise). */
    private final Shard shard;

    /**
     * @param mixing batch-level mixup / cutmix, or null for none (then {@link Batch#softTargets()} is null)
     */
    public DataLoader(Dataset dataset, SamplePipeline pipeline, MixupCutmix mixing, Options options) {
        this(dataset, pipeline, mixing, options, Shard.NONE);
    }

    /**
     * A loader of this process's {@code shard} of every batch: {@code options.batchSize()} is the batch per
     * process; sharding needs {@code dropLast} (training).
     */
    public DataLoader(Dataset dataset, SamplePipeline pipeline, MixupCutmix mixing, Options options, Shard shard) {
        if (shard.worldSize() > 1 && !options.dropLast()) {
            throw new IllegalArgumentException("a sharded data loader drops the last partial batch (training); got dropLast false");
        }
        this.shard = shard;
        if (mixing != null && mixing.numClasses() != dataset.numClasses()) {
            throw new IllegalArgumentException("mixup is set up for " + mixing.numClasses() + " classes but " + dataset.description()
                    + " has " + dataset.numClasses());
        }
        this.dataset = dataset;
        this.pipeline = pipeline;
        this.mixing = mixing;
        this.options = options;
        String prefix = "jmamba-data-" + POOL_NUMBER.incrementAndGet() + "-";
        AtomicInteger threadNumber = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, prefix + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public Dataset dataset() {
        return dataset;
    }

    public Options options() {
        return options;
    }

    /** The (C, H, W) shape of every image of a batch. */
    public int[] pipelineShape() {
        return new int[] {pipeline.channels(), pipeline.height(), pipeline.width()};
    }

    /** Batches per epoch: N / B rounded down with dropLast, else up. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        if (shard.worldSize() > 1) return shard.batchesPerEpoch(n, options.batchSize());
        return options.dropLast() ? n / options.batchSize() : (n + options.batchSize() - 1) / options.batchSize();
    }

    /** Iterates over all batches of {@code epoch}. */
    public EpochIterator epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** Iterates over the batches of {@code epoch} from {@code startBatch} on (to resume a run). */
    public EpochIterator epoch(int epoch, int startBatch) {
        if (startBatch < 0 || startBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("start batch " + startBatch + " outside [0, " + batchesPerEpoch() + "]");
        }
        return new EpochIterator(epoch, startBatch);
    }

    /** Builds batch {@code batchIndex} of {@code epoch} on the calling thread (the same content as the iterator gives). */
    public Batch loadBatch(int epoch, int batchIndex) {
        int[] indices = batchIndices(order(epoch), batchIndex);
        Batch batch = emptyBatch(indices, epoch, batchIndex);
        fillSamples(batch, 0, indices.length);
        return finish(batch);
    }

    private int[] order(int epoch) {
        if (options.shuffle()) return Seeds.permutation(options.seed(), epoch, dataset.size());
        int[] order = new int[dataset.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        return order;
    }

    private int[] batchIndices(int[] order, int batchIndex) {
        if (shard.worldSize() > 1) return shard.indices(order, options.batchSize(), batchIndex);
        int from = batchIndex * options.batchSize();
        int to = Math.min(from + options.batchSize(), order.length);
        if (from >= to) throw new IllegalArgumentException("batch " + batchIndex + " is past the end of the epoch (" + batchesPerEpoch() + " batches)");
        int[] indices = new int[to - from];
        System.arraycopy(order, from, indices, 0, indices.length);
        return indices;
    }

    private Batch emptyBatch(int[] indices, int epoch, int batchIndex) {
        int length = indices.length * pipeline.imageLength();
        float[] images = length == options.batchSize() * pipeline.imageLength() ? spareImages.poll() : null;
        if (images != null) spares.decrementAndGet();
        else images = new float[length];
        return new Batch(images, new int[indices.length], null, indices, pipeline.channels(), pipeline.height(), pipeline.width(),
                epoch, batchIndex);
    }

    /**
     * Hands a batch's image array back for reuse once the consumer no longer reads it (e.g. after
     * copying it to a device): a (B, 3, 224, 224) batch is 77 MB, and allocating (and zeroing) one per
     * step costs the consumer's thread milliseconds and the collector work. Every sample of a batch
     * overwrites its whole slice, so a reused array needs no clearing. Keeps at most as many arrays as
     * batches may be in flight; others (and partial batches) are left to the collector.
     */
    public void recycle(Batch batch) {
        float[] images = batch.images();
        if (images.length != options.batchSize() * pipeline.imageLength()) return;
        if (spares.incrementAndGet() > options.prefetch() + 2) {
            spares.decrementAndGet();
            return;
        }
        spareImages.add(images);
    }

    /** True when samples go through the fused decode-and-transform path ({@link Dataset#loadFused}). */
    public boolean fused() {
        return pipeline.fused() != null && dataset.supportsFused();
    }

    /** Per-stage times of this loader since it was made or last {@link StageTimes#reset() reset}. */
    public StageTimes stageTimes() {
        return times;
    }

    /** Loads and transforms samples [from, to) of the batch into its arrays. */
    private void fillSamples(Batch batch, int from, int to) {
        int length = pipeline.imageLength();
        boolean fused = fused();
        for (int k = from; k < to; k++) {
            int index = batch.indices()[k];
            if (fused) {
                batch.labels()[k] = dataset.loadFused(index, pipeline.fused(), () -> Seeds.forSample(options.seed(), batch.epoch(), index),
                        batch.images(), k * length, times);
                times.sample();
                continue;
            }
            long t0 = System.nanoTime();
            Sample sample = dataset.load(index);
            long t1 = System.nanoTime();
            FloatImage image = pipeline.transform().apply(sample.image(), Seeds.forSample(options.seed(), batch.epoch(), index));
            long t2 = System.nanoTime();
            if (image.channels() != pipeline.channels() || image.height() != pipeline.height() || image.width() != pipeline.width()) {
                throw new DataException("the sample pipeline turned sample " + index + " of " + dataset.description() + " into "
                        + image.shapeText() + " but the loader expects (" + pipeline.channels() + ", " + pipeline.height() + ", " + pipeline.width() + ")");
            }
            System.arraycopy(image.data(), 0, batch.images(), k * length, length);
            batch.labels()[k] = sample.label();
            times.decode(t1 - t0);
            times.transform(t2 - t1);
            times.collate(System.nanoTime() - t2);
            times.sample();
        }
    }

    private Batch finish(Batch batch) {
        if (mixing == null) return batch;
        long t0 = System.nanoTime();
        MixupCutmix.Result mixed = mixing.apply(batch.images(), batch.labels(), batch.channels(), batch.height(), batch.width(),
                Seeds.forBatch(options.seed(), batch.epoch(), batch.batchIndex()));
        times.collate(System.nanoTime() - t0);
        return new Batch(batch.images(), batch.labels(), mixed.softTargets(), batch.indices(), batch.channels(), batch.height(),
                batch.width(), batch.epoch(), batch.batchIndex());
    }

    /** Stops the workers; batches in preparation are abandoned. */
    @Override public void close() {
        executor.shutdownNow();
    }

    /**
     * The batches of one epoch in order. Each batch is split into up to W slices loaded in parallel; up to P
     * batches are in flight. Close it to abandon the rest of the epoch early.
     */
    public final class EpochIterator implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int total;
        private final ArrayDeque<CompletableFuture<Batch>> inFlight = new ArrayDeque<>();
        private int nextToSubmit;
        private int nextToReturn;

        private EpochIterator(int epoch, int startBatch) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.total = batchesPerEpoch();
            this.nextToSubmit = startBatch;
            this.nextToReturn = startBatch;
            topUp();
        }

        /** Index within the epoch of the batch the next call to {@link #next()} returns. */
        public int nextBatchIndex() {
            return nextToReturn;
        }

        @Override public boolean hasNext() {
            return nextToReturn < total;
        }

        @Override public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has only " + total + " batches");
            topUp();
            CompletableFuture<Batch> head = inFlight.poll();
            int batchIndex = nextToReturn++;
            long t0 = System.nanoTime();
            Batch batch = await(head, batchIndex);
            long waited = System.nanoTime() - t0;
            int readyBehind = 0;
            for (CompletableFuture<Batch> f : inFlight) {
                if (!f.isDone()) break;
                readyBehind++;
            }
            times.batch(waited, readyBehind);
            topUp();
            return batch;
        }

        private void topUp() {
            if (executor.isShutdown()) throw new DataException("the data loader is closed (epoch " + epoch + ", batch " + nextToReturn + ")");
            while (inFlight.size() < options.prefetch() && nextToSubmit < total) inFlight.add(submit(nextToSubmit++));
        }

        private CompletableFuture<Batch> submit(int batchIndex) {
            Batch batch = emptyBatch(batchIndices(order, batchIndex), epoch, batchIndex);
            int size = batch.size();
            int slices = Math.min(options.workers(), size);
            CompletableFuture<?>[] parts = new CompletableFuture<?>[slices];
            for (int s = 0; s < slices; s++) {
                int from = (int) ((long) size * s / slices);
                int to = (int) ((long) size * (s + 1) / slices);
                parts[s] = CompletableFuture.runAsync(() -> fillSamples(batch, from, to), executor);
            }
            // finish (mixing) runs on the worker that completed the last slice: queued on the executor it would
            // wait behind every slice of the batches submitted after this one (at an epoch's start, all
            // `prefetch` of them: seconds before the first batch was handed out)
            return CompletableFuture.allOf(parts).thenApply(v -> finish(batch));
        }

        private Batch await(CompletableFuture<Batch> future, int batchIndex) {
            try {
                while (true) {
                    try {
                        return future.get(100, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        // a closed loader never finishes queued work: report it instead of waiting forever
                        if (executor.isShutdown() && !future.isDone()) {
                            throw new DataException("the data loader was closed while batch " + batchIndex + " of epoch " + epoch + " was pending");
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new DataException("interrupted while waiting for batch " + batchIndex + " of epoch " + epoch, e);
            } catch (ExecutionException | CancellationException e) {
                close();
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
                throw new DataException("loading batch " + batchIndex + " of epoch " + epoch + " failed: " + cause, cause);
            }
        }

        /** Abandons the batches still in preparation (their work is cancelled where it has not started). */
        @Override public void close() {
            for (CompletableFuture<Batch> f : inFlight) f.cancel(true);
            inFlight.clear();
            nextToReturn = total;
            nextToSubmit = total;
        }
    }
}
