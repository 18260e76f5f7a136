package dev.jmamba.vision.cuda;

import dev.jmamba.ssm.cuda.KernelFile;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.KernelArgs;
import java.util.ArrayList;
import java.util.List;

/**
 * Launches {@code scan2d.cu}: cross scan (gather through K permutations) and cross merge (gather-and-sum
 * through the K inverses) on raw device pointers of one context. Every kernel has the signature
 * {@code (const T* in, const int* table, T* out, int B, int K, int C, int L)}; T is float, double or bf16 (whose
 * merge writes float).
 * Launches are asynchronous on the context's stream.
 */
final class Scan2dCuda {
    /** Classpath folder of the vision module's kernel sources, and this launcher's file in it. */
    static final String FOLDER = "/dev/jmamba/vision/cuda/", SOURCE_NAME = "scan2d.cu";
    /** Tile edge and rows of the channels-last kernels (TILE and TILE_ROWS in scan2d.cu). */
    private static final int TILE = 32, TILE_ROWS = 8;

    private final CudaContext context;
    private final KernelFile kernels;
    private final KernelArgs args = new KernelArgs(8, 8, 8, 4, 4, 4, 4);

    Scan2dCuda(CudaContext context) {
        this.context = context;
        this.kernels = new KernelFile(context, FOLDER, SOURCE_NAME);
    }

    /** The kernels of scan2d.cu this class launches. */
    static List<String> kernelNames() {
        List<String> names = new ArrayList<>();
        for (String op : new String[] {"cross_scan_", "cross_merge_"})
            for (String layout : new String[] {"cf_", "cl_"})
                for (String type : new String[] {"f32", "f64", "bf16"}) names.add(op + layout + type);
        names.add("cross_merge_cl_bf16_bf16");
        return names;
    }

    /**
     * seq[b, k, c, l] = map[b, c, perms[k][l]].
     *
     * @param map   (B, C, L) or, channels-last, (B, L, C) of {@code dtype} (F32, F64 or BF16)
     * @param perms (K, L) int32
     * @param seq   (B, K, C, L) output
     */
    synchronized void scan(DType dtype, boolean channelsLast, long map, long perms, long seq, int b, int k, int c, int l) {
        fill(map, perms, seq, b, k, c, l);
        String kernel = "cross_scan_" + (channelsLast ? "cl_" : "cf_") + suffix(dtype);
        if (channelsLast) launchTiles(kernel, l, c, b * k);
        else launchRows(kernel, l, (long) b * k * c);
    }

    /**
     * map[b, c, p] = Σ_k seq[b, k, c, inverses[k][p]], summed in k order.
     *
     * @param seq      (B, K, C, L) of {@code dtype} (F32, F64 or BF16)
     * @param inverses (K, L) int32
     * @param map      (B, C, L) or, channels-last, (B, L, C) output, of dtype (F32 for BF16 unless bf16Map)
     * @param bf16Map  BF16 seq, channels-last only: the float32 sums rounded once to a BF16 map
     */
    synchronized void merge(DType dtype, boolean channelsLast, long seq, long inverses, long map, int b, int k, int c, int l,
                            boolean bf16Map) {
        if (bf16Map && (dtype != DType.BF16 || !channelsLast)) {
            throw new JmambaException("cross merge to a bf16 map: needs BF16 sequences channels-last, got " + dtype
                    + (channelsLast ? "" : " channels-first"));
        }
        fill(seq, inverses, map, b, k, c, l);
        String kernel = "cross_merge_" + (channelsLast ? "cl_" : "cf_") + suffix(dtype) + (bf16Map ? "_bf16" : "");
        if (channelsLast) launchTiles(kernel, l, c, b);
        else launchRows(kernel, l, (long) b * c);
    }

    private static String suffix(DType dtype) {
        return dtype == DType.BF16 ? "bf16" : KernelFile.suffix(dtype, "cross scan/merge");
    }

    private void fill(long in, long table, long out, int b, int k, int c, int l) {
        args.setLong(0, in).setLong(1, table).setLong(2, out).setInt(3, b).setInt(4, k).setInt(5, c).setInt(6, l);
    }

    /** Grid (ceil(L / (threads · 8)), min(rows, 65535)), block threads = L rounded up to whole warps, at most 256 (scan2d.cu). */
    private void launchRows(String kernel, int length, long rows) {
        if (length == 0 || rows == 0) return;
        int threads = Math.min(256, (length + 31) / 32 * 32);
        CudaDriver.launchKernel(kernels.function(kernel), Math.ceilDiv(length, threads * 8), (int) Math.min(rows, 65_535), 1,
                threads, 1, 1, 0, context.stream(), args);
    }

    /** Grid (ceil(L / 32), ceil(C / 32), planes), block (32, 8). */
    private void launchTiles(String kernel, int length, int channels, int planes) {
        if (length == 0 || channels == 0 || planes == 0) return;
        if (planes > 65_535 || (channels + TILE - 1) / TILE > 65_535) {
            throw new JmambaException("cross scan/merge on CUDA: channels-last grids support B·K <= 65535 and C <= "
                    + 65_535 * TILE + ", got B·K (or B) = " + planes + ", C = " + channels);
        }
        CudaDriver.launchKernel(kernels.function(kernel), (length + TILE - 1) / TILE, (channels + TILE - 1) / TILE, planes,
                TILE, TILE_ROWS, 1, 0, context.stream(), args);
    }
}
