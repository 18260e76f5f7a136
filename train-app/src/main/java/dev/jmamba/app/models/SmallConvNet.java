package dev.jmamba.app.models;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.BatchNorm2d;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Seeds;

import java.util.Arrays;

/**
 * A small convolutional classifier for 28×28 / 32×32 images, the fastest model on a CPU and the
 * default for Fashion-MNIST: three stages of 3×3 convolution → BatchNorm → ReLU, the first two
 * followed by a 2×2 max pool, then a global average pool and a linear head.
 * <pre>
 *   (B, C, H, W) → conv 3×3 (w) → (B, w, H, W) → pool → (B, w, H/2, W/2)
 *                → conv 3×3 (2w) → pool → (B, 2w, H/4, W/4)
 *                → conv 3×3 (4w) → mean over H, W → (B, 4w) → linear → (B, K)
 * </pre>
 * No dropout or other randomness in the forward pass, so training is a function of the data order.
 */
public final class SmallConvNet extends Layer {
    private final int inChannels;
    private final Conv2d conv1, conv2, conv3;
    private final BatchNorm2d bn1, bn2, bn3;
    private final Linear head;

    /**
     * @param inChannels C of the input (1 for Fashion-MNIST, 3 for RGB)
     * @param width      channels of the first stage w (the others use 2w and 4w)
     * @param numClasses K
     * @param seed       initialisation seed (one stream per layer)
     */
    public SmallConvNet(int inChannels, int width, int numClasses, long seed) {
        if (inChannels < 1 || width < 1 || numClasses < 2) {
            throw new IllegalArgumentException("SmallConvNet: need inChannels >= 1, width >= 1 and numClasses >= 2, got "
                    + inChannels + ", " + width + ", " + numClasses);
        }
        this.inChannels = inChannels;
        conv1 = register("conv1", new Conv2d(inChannels, width, 3, 1, 1, 1, 1, false, Seeds.derive(seed, 1)));
        bn1 = register("bn1", new BatchNorm2d(width));
        conv2 = register("conv2", new Conv2d(width, 2 * width, 3, 1, 1, 1, 1, false, Seeds.derive(seed, 2)));
        bn2 = register("bn2", new BatchNorm2d(2 * width));
        conv3 = register("conv3", new Conv2d(2 * width, 4 * width, 3, 1, 1, 1, 1, false, Seeds.derive(seed, 3)));
        bn3 = register("bn3", new BatchNorm2d(4 * width));
        head = register("head", new Linear(4 * width, numClasses, true, Seeds.derive(seed, 4)));
    }

    /** x (B, C, H, W) with H and W multiples of 4 → logits (B, K). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(1) != inChannels || x.size(2) % 4 != 0 || x.size(3) % 4 != 0) {
            throw new IllegalArgumentException("SmallConvNet: expected input (B, " + inChannels
                    + ", H, W) with H and W multiples of 4, got " + Arrays.toString(x.shape()));
        }
        Var h = maxPool2(bn1.forward(conv1.forward(x)).relu());   // (B, w, H/2, W/2)
        h = maxPool2(bn2.forward(conv2.forward(h)).relu());       // (B, 2w, H/4, W/4)
        h = bn3.forward(conv3.forward(h)).relu();                 // (B, 4w, H/4, W/4)
        return head.forward(h.mean(false, 2, 3));                 // (B, K)
    }

    /** 2×2 max pool with stride 2: x (B, C, H, W), H and W even → (B, C, H/2, W/2). */
    static Var maxPool2(Var x) {
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        return x.reshape(b, c, h / 2, 2, w / 2, 2).max(false, 3, 5);
    }
}
