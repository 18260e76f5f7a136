package dev.jmamba.app.models;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Seeds;

import java.util.Arrays;

/**
 * A small convolutional classifier for 28×28 / 32×32 images, the fastest model on a CPU and the
 * default for Fashion-MNIST: three stages of 3×3 convolution → BatchNorm → ReLU, the first two
 * followed by a 2×2 max pool, then a global average pool and a linear head.
 * <pre>
 *   (B, C, H, W) → channels-last (B, H, W, C) → conv (w) → (B, H, W, w) → pool → (B, H/2, W/2, w)
 *                → conv (2w) → pool → (B, H/4, W/4, 2w) → conv (4w) → mean over H, W → (B, 4w)
 *                → linear → (B, K)
 * </pre>
 * Convolutions run channels-last as one batched GEMM each ({@link ChannelsLastConv3x3}). No dropout
 * or other randomness in the forward pass, so training is a function of the data order alone.
 */
public final class SmallConvNet extends Layer {
    private final int inChannels;
    private final ChannelsLastConv3x3 conv1, conv2, conv3;
    private final ChannelsLastBatchNorm bn1, bn2, bn3;
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
        conv1 = register("conv1", new ChannelsLastConv3x3(inChannels, width, Seeds.derive(seed, 1)));
        bn1 = register("bn1", new ChannelsLastBatchNorm(width));
        conv2 = register("conv2", new ChannelsLastConv3x3(width, 2 * width, Seeds.derive(seed, 2)));
        bn2 = register("bn2", new ChannelsLastBatchNorm(2 * width));
        conv3 = register("conv3", new ChannelsLastConv3x3(2 * width, 4 * width, Seeds.derive(seed, 3)));
        bn3 = register("bn3", new ChannelsLastBatchNorm(4 * width));
        head = register("head", new Linear(4 * width, numClasses, true, Seeds.derive(seed, 4)));
    }

    /** x (B, C, H, W) with H and W multiples of 4 → logits (B, K). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(1) != inChannels || x.size(2) % 4 != 0 || x.size(3) % 4 != 0) {
            throw new IllegalArgumentException("SmallConvNet: expected input (B, " + inChannels
                    + ", H, W) with H and W multiples of 4, got " + Arrays.toString(x.shape()));
        }
        Var h = x.permute(0, 2, 3, 1).contiguous();                  // (B, H, W, C)
        h = maxPool2(bn1.forward(conv1.forward(h)).relu());          // (B, H/2, W/2, w)
        h = maxPool2(bn2.forward(conv2.forward(h)).relu());          // (B, H/4, W/4, 2w)
        h = bn3.forward(conv3.forward(h)).relu();                    // (B, H/4, W/4, 4w)
        return head.forward(h.mean(false, 1, 2));                    // (B, K)
    }

    /** 2×2 max pool with stride 2 on channels-last x (B, H, W, C), H and W even → (B, H/2, W/2, C). */
    static Var maxPool2(Var x) {
        int b = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
        return x.reshape(b, h / 2, 2, w / 2, 2, c).max(false, 2, 4);
    }
}
