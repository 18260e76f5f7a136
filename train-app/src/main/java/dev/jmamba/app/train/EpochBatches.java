package dev.jmamba.app.train;

import dev.jmamba.app.data.Batch;
import dev.jmamba.app.data.DataLoader;
import dev.jmamba.app.data.DeviceBatch;
import dev.jmamba.app.data.DeviceBatchLoader;

/** One epoch's training batches, from the host loader or the device loader, as {@link Trainer}'s loop uses them. */
interface EpochBatches extends AutoCloseable {
    boolean hasNext();

    /** Waits for the next batch; returns its size. */
    int next();

    /** Queues the step on the batch got last and hands its buffers back to the loader. */
    void step(TrainStep trainStep, double lr, long step);

    @Override void close();

    /** Host batches ({@link DataLoader}), uploaded by the step. */
    final class Host implements EpochBatches {
        private final DataLoader loader;
        private final DataLoader.EpochIterator it;
        private Batch batch;

        Host(DataLoader loader, DataLoader.EpochIterator it) {
            this.loader = loader;
            this.it = it;
        }

        @Override public boolean hasNext() { return it.hasNext(); }

        @Override public int next() {
            batch = it.next();
            return batch.size();
        }

        @Override public void step(TrainStep trainStep, double lr, long step) {
            trainStep.run(batch, lr, step);
            if (trainStep.copiesBatches()) loader.recycle(batch);
            batch = null;
        }

        @Override public void close() { it.close(); }
    }

    /** Device batches ({@link DeviceBatchLoader}): the step reads the loader's buffer, which is released after the step is queued. */
    final class Device implements EpochBatches {
        private final DeviceBatchLoader.EpochIterator it;
        private DeviceBatch batch;

        Device(DeviceBatchLoader.EpochIterator it) {
            this.it = it;
        }

        @Override public boolean hasNext() { return it.hasNext(); }

        @Override public int next() {
            batch = it.next();
            return batch.size();
        }

        @Override public void step(TrainStep trainStep, double lr, long step) {
            // no nvJPEG worker touches the device while the step is captured (other threads' calls could break the capture)
            if (trainStep.capturesNext()) it.quiesce();
            try {
                trainStep.run(batch, lr, step);
            } finally {
                batch.release();
                batch = null;
            }
        }

        @Override public void close() {
            if (batch != null) batch.release();
            it.close();
        }
    }
}
