package dev.jmamba.tensor;

/** 2-D convolution settings (PyTorch {@code Conv2d} semantics; zero padding). */
public record ConvParams(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    public ConvParams {
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || groups < 1 || padH < 0 || padW < 0) {
            throw new TensorException("conv2d", "stride, dilation, groups >= 1 and padding >= 0",
                    "stride (" + strideH + ", " + strideW + "), padding (" + padH + ", " + padW + "), dilation ("
                            + dilationH + ", " + dilationW + "), groups " + groups);
        }
    }

    /** Same stride/padding/dilation on both axes. */
    public static ConvParams of(int stride, int padding, int dilation, int groups) {
        return new ConvParams(stride, stride, padding, padding, dilation, dilation, groups);
    }

    /** Output size along one axis. */
    public static int outSize(int in, int kernel, int stride, int pad, int dilation) {
        return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
    }
}
