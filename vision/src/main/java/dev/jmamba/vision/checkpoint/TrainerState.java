package dev.jmamba.vision.checkpoint;

/**
 * Where a run stands, saved last in every checkpoint as {@code trainer.json} (its presence marks the
 * checkpoint complete). Together with the run's {@link RunConfig} it fixes everything the next step
 * depends on: the schedule position is {@code step} (the learning rate is a function of it), the data
 * position is ({@code epoch}, {@code batchInEpoch}) (the loader's order and augmentation are functions
 * of (seed, epoch, index)), and random layers draw from seeds derived from (seed, step).
 *
 * @param step                 steps done (optimizer updates plus skipped non-finite steps)
 * @param epoch                epoch of the next batch (0-based)
 * @param batchInEpoch         index within that epoch of the next batch
 * @param seed                 the run's root seed (also in the config; kept here for readers of this file)
 * @param nextLr               the learning rate the next step will use
 * @param ema                  whether an {@code ema.safetensors} belongs to this checkpoint
 * @param nonfiniteSteps       steps skipped so far because the loss or gradient was not finite
 * @param consecutiveNonfinite non-finite steps in a row at the end
 * @param skippedImages        unreadable images replaced so far
 * @param trainSeconds         training wall time so far (excluding evaluation)
 * @param checkpointEvery      the run's {@code --checkpoint-every}, kept by {@code --resume} unless given again; null in
 *                             checkpoints written before it was recorded
 * @param logEvery             the run's {@code --log-every}, likewise
 */
public record TrainerState(long step, int epoch, int batchInEpoch, long seed, double nextLr, boolean ema,
                           long nonfiniteSteps, int consecutiveNonfinite, long skippedImages, double trainSeconds,
                           Long checkpointEvery, Integer logEvery) {

    /** A state without a recorded cadence (imported checkpoints; --resume then uses the defaults). */
    public TrainerState(long step, int epoch, int batchInEpoch, long seed, double nextLr, boolean ema,
                        long nonfiniteSteps, int consecutiveNonfinite, long skippedImages, double trainSeconds) {
        this(step, epoch, batchInEpoch, seed, nextLr, ema, nonfiniteSteps, consecutiveNonfinite, skippedImages, trainSeconds, null, null);
    }
}
