package dev.jmamba.app.data;

import java.util.concurrent.atomic.LongAdder;

/**
 * Time spent per stage of the input pipeline, summed over all loader threads: decoding (file read
 * and decode), transforming (crop, resample, flip, normalise, erasing), collating (copying into the
 * batch, mixup / cutmix), and the consumer's wait for a batch. Thread-safe; a {@link #snapshot()}
 * gives per-image and per-batch averages.
 */
public final class StageTimes {
    private final LongAdder decode = new LongAdder(), transform = new LongAdder(), collate = new LongAdder();
    private final LongAdder samples = new LongAdder(), batches = new LongAdder(), wait = new LongAdder(), ready = new LongAdder();

    /** Adds decode time. */
    public void decode(long nanos) { decode.add(nanos); }

    /** Adds transform time. */
    public void transform(long nanos) { transform.add(nanos); }

    /** Adds collate time. */
    public void collate(long nanos) { collate.add(nanos); }

    /** Counts one finished sample. */
    public void sample() { samples.increment(); }

    /** Counts one batch handed to the consumer, who waited {@code nanos} for it while {@code readyBehind} more were finished. */
    public void batch(long nanos, int readyBehind) {
        batches.increment();
        wait.add(nanos);
        ready.add(readyBehind);
    }

    /** Clears every counter. */
    public void reset() {
        for (LongAdder a : new LongAdder[] {decode, transform, collate, samples, batches, wait, ready}) a.reset();
    }

    /**
     * Averages: decode, transform and collate ms per image (thread time), the consumer's wait ms
     * per batch, and the mean number of further batches already finished when one was handed out.
     */
    public record Snapshot(long samples, long batches, double decodeMs, double transformMs, double collateMs, double waitMs, double readyBehind) {}

    public Snapshot snapshot() {
        long n = samples.sum(), b = batches.sum();
        double perSample = n == 0 ? 0 : 1e-6 / n;
        return new Snapshot(n, b, decode.sum() * perSample, transform.sum() * perSample, collate.sum() * perSample,
                b == 0 ? 0 : wait.sum() * 1e-6 / b, b == 0 ? 0 : (double) ready.sum() / b);
    }
}
