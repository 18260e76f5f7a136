package dev.jmamba.vision.scan2d;

/** Where the channels of a feature map sit. */
public enum Layout {
    /** (B, C, H, W), PyTorch's default. */
    CHANNELS_FIRST,
    /** (B, H, W, C), what Linear layers and LayerNorm over channels want. */
    CHANNELS_LAST
}
