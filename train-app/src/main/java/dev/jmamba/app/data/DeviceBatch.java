package dev.jmamba.app.data;

import dev.jmamba.tensor.Tensor;

/**
 * One mini-batch whose images already live on the training device ({@link DeviceBatchLoader}): the
 * images are a slot of the loader's ring of device buffers, written and (with mixup / cutmix) mixed
 * before the batch was handed out; the labels and soft targets are host arrays (small, uploaded by
 * the step). {@link #release()} after queuing the work that reads the images hands the slot back.
 *
 * @param images      (B, 3, S, S) F32 on the device: normalised, possibly mixed; valid until {@link #release()}
 * @param labels      (B) the original class labels
 * @param softTargets (B, K) mixup / cutmix / label-smoothing targets, or null when the loader has no mixing
 * @param indices     (B) dataset index of each image
 * @param epoch       the epoch this batch belongs to
 * @param batchIndex  position of the batch within its epoch
 */
public record DeviceBatch(Tensor images, int[] labels, float[] softTargets, int[] indices, int epoch, int batchIndex, Runnable releaser) {

    /** Number of images B. */
    public int size() {
        return labels.length;
    }

    /**
     * Hands the images' slot back to the loader: call once the work that reads them is queued (on a
     * GPU the slot is rewritten only after that work has run).
     */
    public void release() {
        releaser.run();
    }
}
