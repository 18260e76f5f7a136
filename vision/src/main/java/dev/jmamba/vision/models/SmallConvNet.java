package dev.jmamba.vision.models;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Seeds;
import dev.jmamba.tensor.JmambaException;

import java.util.Arrays;

/**
 * A small convolutional classifier for 28×28 / 32×32 images, the fastest model on a CPU and the
 * default for Fashion-MNIST: two stages of 3×3 convolution → BatchNorm → ReLU → 2×2 max pool, then
 * the flattened feature map goes through one linear layer.
 * <pre>
 *   (B, C, H, W) → channels-last (B, H, W, C) → conv (w) → pool → (B, H/2, W/2, w)
 *                → conv (2w) → pool → (B, H/4, W/4, 2w) → flatten → linear → (B, K)
 * </pre>
 * The flattened head keeps where features are, which makes this net learn Fashion-MNIST several
 * times faster in the first epoch than the same convolutions with global average pooling (mean
 * training loss after 150 steps of 128 images: 0.36 against 0.67, measured while choosing the
 * default). Convolutions run channels-last as one batched GEMM each ({@link ChannelsLastConv3x3}).
 * No dropout or other randomness in the forward pass, so training is a function of the data order.
 */
public final class SmallConvNet extends Layer {
    private final int inChannels, resolution;
    private final ChannelsLastConv3x3 conv1, conv2;
    private final ChannelsLastBatchNorm bn1, bn2;
    private final Linear head;

    /**
     * @param inChannels C of the input (1 for Fashion-MNIST, 3 for RGB)
     * @param resolution the input side R (a multiple of 4); the head sees (R/4)²·2w features
     * @param width      channels of the first stage w (the second uses 2w)
     * @param numClasses K
     * @param seed       initialisation seed (one stream per layer)
     */
    public SmallConvNet(int inChannels, int resolution, int width, int numClasses, long seed) {
        if (inChannels < 1 || width < 1 || numClasses < 2 || resolution < 4 || resolution % 4 != 0) {
            throw new JmambaException("SmallConvNet: need inChannels >= 1, a resolution that is a positive multiple of 4, width >= 1 and numClasses >= 2, got "
                    + inChannels + ", " + resolution + ", " + width + ", " + numClasses);
        }
        this.inChannels = inChannels;
        this.resolution = resolution;
        conv1 = register("conv1", new ChannelsLastConv3x3(inChannels, width, Seeds.derive(seed, 1)));
        bn1 = register("bn1", new ChannelsLastBatchNorm(width));
        conv2 = register("conv2", new ChannelsLastConv3x3(width, 2 * width, Seeds.derive(seed, 2)));
        bn2 = register("bn2", new ChannelsLastBatchNorm(2 * width));
        int side = resolution / 4;
        head = register("head", new Linear(side * side * 2 * width, numClasses, true, Seeds.derive(seed, 4)));
    }

    /** x (B, C, R, R) → logits (B, K). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(1) != inChannels || x.size(2) != resolution || x.size(3) != resolution) {
            throw new JmambaException("SmallConvNet: expected input (B, " + inChannels + ", " + resolution + ", " + resolution
                    + "), got " + Arrays.toString(x.shape()));
        }
        int b = x.size(0);
        Var h = x.permute(0, 2, 3, 1).contiguous();                  // (B, R, R, C)
        h = maxPool2(bn1.forward(conv1.forward(h)).relu());          // (B, R/2, R/2, w)
        h = maxPool2(bn2.forward(conv2.forward(h)).relu());          // (B, R/4, R/4, 2w)
        return head.forward(h.reshape(b, -1));                       // (B, K)
    }

    /** 2×2 max pool with stride 2 on channels-last x (B, H, W, C), H and W even → (B, H/2, W/2, C). */
    static Var maxPool2(Var x) {
        int b = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
        return x.reshape(b, h / 2, 2, w / 2, 2, c).max(false, 2, 4);
    }
}
