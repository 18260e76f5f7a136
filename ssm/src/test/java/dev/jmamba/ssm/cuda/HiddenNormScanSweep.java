package dev.jmamba.ssm.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.DeviceTiming;
import java.util.Locale;

/**
 * Device time of the fused hidden-norm scan ({@link HiddenNormScanCuda}, FractalMamba's read-out) forward and backward
 * at FractalMamba-T's b128 stage shapes (G = 2 directions; d_inner 160/320/640 on L = 3136/784/196), next to a device
 * copy of u in the same run: how far each stage is from the bandwidth its tensors need (forward reads u and delta and
 * writes y: 3 passes; backward reads u, delta, gy and writes du, ddelta: 5). One JSON line per stage and kernel kind
 * (plain, then prefetching: {@code jmamba.scan.hiddenNormPrefetch=on}; for 640 channels also both with 8-position tiles,
 * {@code jmamba.scan.hiddenNormMediumTile=8}). A lab, not a test. Run (packed runtime):
 * {@code .device/run -cp '.device/lib/*' dev.jmamba.ssm.cuda.HiddenNormScanSweep}.
 */
public final class HiddenNormScanSweep {
    private static final Device GPU = Device.cuda(0);

    private HiddenNormScanSweep() {}

    public static void main(String[] args) {
        if (!CudaContext.available()) {
            System.out.println("{\"error\":\"no CUDA device\"}");
            System.exit(1);
        }
        CudaContext context = CudaContext.get(0);
        int batch = 128, groups = 2;
        int[][] stages = {{160, 3136}, {320, 784}, {640, 196}};
        long seed = 1;
        for (int[] s : stages) {
            int di = s[0], l = s[1], d = groups * di;
            Tensor u = random(seed++, -1, 1, batch, d, l), delta = random(seed++, -3, 0, batch, d, l);
            Tensor a = random(seed++, -1, -0.1, d, 1), bs = random(seed++, -1, 1, batch, groups, 1, l);
            Tensor cs = random(seed++, -1, 1, batch, groups, 1, l), dSkip = random(seed++, 0, 1, d);
            Tensor bias = random(seed++, -1, 0, d), gamma = random(seed++, 0.5, 1.5, di), beta = random(seed++, -0.5, 0.5, di);
            Tensor gy = random(seed++, -1, 1, batch, d, l), copy = Tensor.zeros(DType.F32, GPU, batch, d, l);
            double copyMs = DeviceTiming.meanMillis(context, 3, 20, () -> copy.copyFrom(u));
            for (int variant = 0; variant < (di > HiddenNormScanCuda.SMALL_GROUP ? 4 : 2); variant++) {
                boolean prefetch = variant % 2 == 1;
                int tile = variant < 2 ? 16 : 8;
                HiddenNormScanCuda.prefetchForward = HiddenNormScanCuda.prefetchBackward = prefetch ? HiddenNormScanCuda.MEDIUM_GROUP : 0;
                HiddenNormScanCuda.mediumTile = tile;
                Tensor[] fwd = HiddenNormScanCuda.forward(u, delta, a, bs, cs, dSkip, bias, gamma, beta, 1e-5);
                double fwdMs = DeviceTiming.meanMillis(context, 2, 10,
                        () -> release(HiddenNormScanCuda.forward(u, delta, a, bs, cs, dSkip, bias, gamma, beta, 1e-5)));
                double bwdMs = DeviceTiming.meanMillis(context, 2, 10, () -> release(HiddenNormScanCuda.backward(u, delta, a, bs,
                        cs, dSkip, bias, gamma, beta, fwd[1], fwd[2], fwd[3], gy)));
                System.out.println(String.format(Locale.ROOT,
                        "{\"case\":\"hidden_norm_scan\",\"prefetch\":%b,\"tile\":%d,\"batch\":%d,\"groups\":%d,\"d_inner\":%d,\"length\":%d,"
                                + "\"copy_ms\":%.4f,\"fwd_ms\":%.4f,\"fwd_eff\":%.2f,\"bwd_ms\":%.4f,\"bwd_eff\":%.2f}",
                        prefetch, tile, batch, groups, di, l, copyMs, fwdMs, 1.5 * copyMs / fwdMs, bwdMs, 2.5 * copyMs / bwdMs));
                release(fwd);
            }
            release(new Tensor[] {u, delta, a, bs, cs, dSkip, bias, gamma, beta, gy, copy});
        }
    }

    private static Tensor random(long seed, double lo, double hi, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, lo, hi, DType.F32, GPU, shape);
    }

    private static void release(Tensor[] ts) {
        for (Tensor t : ts) if (t != null) t.storage().release();
    }
}
