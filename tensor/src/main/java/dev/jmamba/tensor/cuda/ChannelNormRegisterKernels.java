package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;

/**
 * The channels-first layer norm kernels that issue a tile's loads at once ({@code norm_channels_regs.cu}, which explains
 * them): blocks of 32 columns × {@link #rows} channel lanes, each thread holding {@code width} channels of a tile in
 * registers, the channels walked in chunks of {@code width · rows}. Same arguments and outputs as
 * {@code norm_channels.cu}'s kernels, for float32 and bf16 x (float64 keeps those). {@link ChannelNormKernels} picks
 * them unless {@code -Djmamba.norm.channelRegisters=false}; {@code -Djmamba.norm.channelRegisterWidths=F,B} sets the
 * forward and backward widths (each one of {@link #WIDTHS}).
 */
final class ChannelNormRegisterKernels extends Launcher {
    static final String SOURCE = "norm_channels_regs.cu";

    /** Most channel lanes per block (JM_LNCR_MAX_ROWS): at most 512 threads. */
    static final int MAX_ROWS = 16;
    /** Values per thread the kernels are compiled for. */
    static final int[] WIDTHS = {4, 8, 12};
    /** Static shared memory of either kernel: {@code double buf[2][16][32]} and {@code double total[2][32]}. */
    static final int STATIC_SHARED_BYTES = (2 * MAX_ROWS * 32 + 2 * 32) * Double.BYTES;
    static final boolean ENABLED = !"false".equals(System.getProperty("jmamba.norm.channelRegisters"));
    private static final int[] CHOSEN_WIDTHS = widths(System.getProperty("jmamba.norm.channelRegisterWidths", "12,8"));

    ChannelNormRegisterKernels(CudaContext context) {
        super(context, SOURCE);
    }

    /** Whether these kernels take x of this dtype (float32 or bf16). */
    static boolean covers(DType x) { return x == DType.F32 || x == DType.BF16; }

    /** The widths {forward, backward} x of this dtype runs with by default; null: norm_channels.cu's kernels. */
    static int[] defaultWidths(DType x) { return ENABLED && covers(x) ? CHOSEN_WIDTHS.clone() : null; }

    /** Channel lanes of a block for c channels at {@code width} values per thread: the chunks evenly filled. */
    static int rows(int c, int width) {
        int chunks = Math.max(1, Math.ceilDiv(c, width * MAX_ROWS));
        return Math.max(1, Math.ceilDiv(c, chunks * width));
    }

    long forwardFunction(DType x, int width) {
        checkCovered(x, width);
        return function("layer_norm_channels_regs_" + suffixOf(x) + "_" + width);
    }

    long backwardFunction(DType x, int width) {
        checkCovered(x, width);
        return function("layer_norm_channels_regs_backward_" + suffixOf(x) + "_" + width);
    }

    private static boolean isWidth(int width) {
        for (int v : WIDTHS) if (v == width) return true;
        return false;
    }

    private static void checkCovered(DType x, int width) {
        if (!covers(x) || !isWidth(width)) {
            throw new JmambaException("layerNormChannels: no register kernel for " + x + " x at width " + width);
        }
    }

    private static String suffixOf(DType x) { return x == DType.BF16 ? "bf16" : "f32"; }

    /** "F,B" → {F, B}, each one of WIDTHS. */
    static int[] widths(String text) {
        String[] parts = text.split(",");
        if (parts.length != 2) throw badWidths(text);
        int[] w = new int[2];
        for (int i = 0; i < 2; i++) {
            try {
                w[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw badWidths(text);
            }
            if (!isWidth(w[i])) throw badWidths(text);
        }
        return w;
    }

    private static JmambaException badWidths(String text) {
        return new JmambaException("-Djmamba.norm.channelRegisterWidths must be two of " + java.util.Arrays.toString(WIDTHS)
                + " separated by a comma (forward,backward), got '" + text + "'");
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (String t : new String[] {"f32", "bf16"}) {
            for (int w : WIDTHS) {
                names.add("layer_norm_channels_regs_" + t + "_" + w);
                names.add("layer_norm_channels_regs_backward_" + t + "_" + w);
            }
        }
        return names;
    }
}
