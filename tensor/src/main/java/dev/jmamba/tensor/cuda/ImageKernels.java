package dev.jmamba.tensor.cuda;

import java.util.List;

/**
 * Launches {@code image.cu} (crop, resample, flip, normalise of a decoded RGB image into a batch
 * slot) on a caller's stream: {@link NvjpegDecoder} runs them on its own stream, beside the
 * compute stream.
 */
final class ImageKernels extends Launcher {
    static final String SOURCE = "image.cu";

    // (rgb, pitch, row0, left, first, count, weights, maxTaps, winLeft, tmp, rows, s)
    private final KernelArgs horizontalArgs = new KernelArgs(8, 8, 4, 4, 8, 8, 8, 4, 4, 8, 4, 4);
    // (tmp, rows, s, rowFrom, first, count, weights, maxTaps, winTop, clamp, flip, m0, m1, m2, i0, i1, i2, out)
    private final KernelArgs verticalArgs = new KernelArgs(8, 4, 4, 4, 8, 8, 8, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8);

    ImageKernels(CudaContext context) {
        super(context, SOURCE);
    }

    /** The horizontal pass into tmp (3, rows, s) F32 at device address {@code tmp}; taps at device addresses. */
    synchronized void horizontal(long rgb, long pitch, int row0, int left, long first, long count, long weights, int maxTaps, int winLeft,
                                 long tmp, int rows, int s, long stream) {
        horizontalArgs.setLong(0, rgb).setLong(1, pitch).setInt(2, row0).setInt(3, left).setLong(4, first).setLong(5, count)
                .setLong(6, weights).setInt(7, maxTaps).setInt(8, winLeft).setLong(9, tmp).setInt(10, rows).setInt(11, s);
        CudaDriver.launchKernel(function("crop_horizontal"), blocksFor((long) rows * s), 1, 1, THREADS, 1, 1, 0, stream, horizontalArgs);
    }

    /** The vertical pass from tmp into the (3, s, s) F32 slot at device address {@code out}. */
    synchronized void vertical(long tmp, int rows, int s, int rowFrom, long first, long count, long weights, int maxTaps, int winTop,
                               boolean clamp, boolean flip, float[] mean, float[] inv, long out, long stream) {
        verticalArgs.setLong(0, tmp).setInt(1, rows).setInt(2, s).setInt(3, rowFrom).setLong(4, first).setLong(5, count)
                .setLong(6, weights).setInt(7, maxTaps).setInt(8, winTop).setInt(9, clamp ? 1 : 0).setInt(10, flip ? 1 : 0);
        for (int c = 0; c < 3; c++) {
            verticalArgs.setFloat(11 + c, mean[c]);
            verticalArgs.setFloat(14 + c, inv[c]);
        }
        verticalArgs.setLong(17, out);
        CudaDriver.launchKernel(function("crop_vertical"), blocksFor(3L * s * s), 1, 1, THREADS, 1, 1, 0, stream, verticalArgs);
    }

    /** Every kernel name this launcher may use. */
    static List<String> kernelNames() {
        return List.of("crop_horizontal", "crop_vertical");
    }
}
