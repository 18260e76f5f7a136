package dev.jmamba.app.train;

import dev.jmamba.app.data.Batch;
import dev.jmamba.app.data.DataLoader;
import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.nn.Losses;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

/**
 * Validation: mean cross-entropy (no smoothing), top-1 and top-5 accuracy (fractions in [0, 1]) of a
 * classifier over every image of a loader's epoch 0, in eval mode and without recording gradients.
 */
public final class Evaluator {
    private Evaluator() {}

    /** The result over {@code images} validation images. */
    public record Result(double loss, double top1, double top5, int images) {}

    /** Evaluates {@code model} on all batches of {@code loader}; the model is left in eval mode. */
    public static Result evaluate(Classifier model, DataLoader loader, Device device) {
        model.module().train(false);
        double lossSum = 0;
        long hit1 = 0, hit5 = 0;
        int count = 0;
        try (var noGrad = Autograd.noGrad(); DataLoader.EpochIterator it = loader.epoch(0)) {
            while (it.hasNext()) {
                Batch batch = it.next();
                try (Scope step = Scope.open()) {
                    Tensor x = Tensor.wrap(batch.images(), batch.shape()).to(device);          // (B, C, H, W)
                    Var logits = model.forward(Var.of(x));                                     // (B, K)
                    lossSum += Losses.crossEntropy(logits, batch.labels(), 0).value().item() * batch.size();
                    int[] ranks = ranks(logits.value().to(Device.CPU).toFloatArray(), batch.labels(), logits.size(1));
                    for (int r : ranks) {
                        if (r < 1) hit1++;
                        if (r < 5) hit5++;
                    }
                    count += batch.size();
                }
            }
        }
        return new Result(lossSum / count, (double) hit1 / count, (double) hit5 / count, count);
    }

    /**
     * The rank of each true label among its row's logits: the number of classes with a strictly
     * larger logit (0 = top-1 correct; ties count in the label's favour).
     *
     * @param logits (B, K) row-major
     * @param labels (B)
     */
    static int[] ranks(float[] logits, int[] labels, int numClasses) {
        int[] out = new int[labels.length];
        for (int b = 0; b < labels.length; b++) {
            float target = logits[b * numClasses + labels[b]];
            int rank = 0;
            for (int k = 0; k < numClasses; k++) if (logits[b * numClasses + k] > target) rank++;
            out[b] = Float.isNaN(target) ? numClasses : rank;
        }
        return out;
    }
}
