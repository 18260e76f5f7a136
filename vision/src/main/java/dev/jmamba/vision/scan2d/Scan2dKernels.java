package dev.jmamba.vision.scan2d;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;


/**
 * The gather (cross scan) and gather-and-sum (cross merge) kernels of one kind of device.
 * {@link CpuScan2dKernels} ships here; a GPU module registers its own in
 * {@code META-INF/services/dev.jmamba.vision.scan2d.Scan2dKernels}.
 */
public interface Scan2dKernels {

    /** Whether this implementation handles tensors on {@code device}. */
    boolean supports(Device device);

    /**
     * seq[b, k, c, i] = map[b, c, perms[k][i]].
     *
     * @param map (B, C, H, W) or (B, H, W, C) as {@code layout} says
     * @return (B, K, C, L), L = H·W, in map's dtype
     */
    Tensor scan(Tensor map, OrderTable orders, Layout layout);

    /**
     * map[b, c, cell] = Σ_k seq[b, k, c, inverses[k][cell]] (the adjoint of {@link #scan}).
     *
     * @param seq (B, K, C, L)
     * @return (B, C, H, W) or (B, H, W, C) as {@code layout} says, in {@link #mergedType} of seq's dtype
     */
    Tensor merge(Tensor seq, OrderTable orders, Layout layout);

    /** The dtype of a merge of {@code seqType} sequences: float32 for bf16 (a sum of K bf16 values), else the same. */
    static DType mergedType(DType seqType) { return seqType == DType.BF16 ? DType.F32 : seqType; }

    /** The implementation for {@code device}. */
    static Scan2dKernels forDevice(Device device) {
        return dev.jmamba.ssm.DeviceSlot.find(Scan2dKernels.class, CpuScan2dKernels.INSTANCE, Scan2dKernels::supports, device, "cross scan/merge");
    }
}
