package dev.jmamba.app.data;

/**
 * One mini-batch as plain arrays; the train loop turns {@code images} into a tensor.
 *
 * @param images      (B, C, H, W) normalised (and possibly mixed) images, contiguous
 * @param labels      (B) the original class labels
 * @param softTargets (B, K) mixup / cutmix / label-smoothing targets, or null when the loader has no mixing
 * @param indices     (B) dataset index of each image
 * @param epoch       the epoch this batch belongs to
 * @param batchIndex  position of the batch within its epoch
 */
public record Batch(float[] images, int[] labels, float[] softTargets, int[] indices,
                    int channels, int height, int width, int epoch, int batchIndex) {

    /** Number of images B. */
    public int size() {
        return labels.length;
    }

    /** The (B, C, H, W) shape. */
    public int[] shape() {
        return new int[] {labels.length, channels, height, width};
    }
}
