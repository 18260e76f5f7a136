package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * The channels-first layer norm kernels with four adjacent columns per thread ({@code norm_channels_vec.cu}, which
 * explains them): blocks of 128 columns × {@value #ROWS} channel lanes, vector loads and stores. Same arguments and
 * outputs as {@code norm_channels.cu}'s kernels, for float32 and bf16 x when M is a multiple of 4 and every tensor
 * starts on 16 bytes ({@link #fits}); {@link ChannelNormKernels} picks them then, unless
 * {@code -Djmamba.norm.channelVectors=false}.
 */
final class ChannelNormVectorKernels extends Launcher {
    static final String SOURCE = "norm_channels_vec.cu";

    /** Channel lanes per block (JM_LNCV_ROWS): a block is 32 × ROWS threads. */
    static final int ROWS = 8;
    /** Columns per block tile: four per lane. */
    static final int TILE = 128;
    /** Static shared memory of either kernel: {@code double buf[2][ROWS][4][32]}. */
    static final int STATIC_SHARED_BYTES = 2 * ROWS * 4 * 32 * Double.BYTES;
    static final boolean ENABLED = !"false".equals(System.getProperty("jmamba.norm.channelVectors"));
    /** The backward with float32 column sums in a thread and at most 80 registers (three blocks per SM) instead of double sums. */
    static final boolean LEAN = Boolean.getBoolean("jmamba.norm.channelVectorsLean");

    ChannelNormVectorKernels(CudaContext context) {
        super(context, SOURCE);
    }

    /** Whether these kernels can take x of this dtype with m columns per row (float32 or bf16, m a multiple of 4). */
    static boolean covers(DType x, int m) { return (x == DType.F32 || x == DType.BF16) && m % 4 == 0; }

    /** Whether they can take these tensors: {@link #covers} and every non-null tensor on a 16-byte boundary. */
    static boolean fits(DType x, int m, Tensor... tensors) {
        if (!covers(x, m)) return false;
        for (Tensor t : tensors) if (t != null && address(t) % 16 != 0) return false;
        return true;
    }

    /** Blocks per row n of an (N, C, M) launch (depends on the shape only): ChannelNormKernels' rule over 128-column tiles. */
    static int parts(int n, int m) { return ChannelNormKernels.parts(n, m, TILE); }

    long forwardFunction(DType x) { return function("layer_norm_channels_vec_" + ChannelNormKernels.kernelSuffix(x)); }

    long backwardFunction(DType x) {
        return function("layer_norm_channels_vec_backward_" + (LEAN ? "lean_" : "") + ChannelNormKernels.kernelSuffix(x));
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("layer_norm_channels_vec_f32", "layer_norm_channels_vec_bf16",
                "layer_norm_channels_vec_backward_f32", "layer_norm_channels_vec_backward_bf16",
                "layer_norm_channels_vec_backward_lean_f32", "layer_norm_channels_vec_backward_lean_bf16");
    }
}
