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

    /**
     * {@link #merge} of bf16 sequences for a map that only bf16-reading ops take (autocast's activations): the float32
     * sums rounded once to bf16. This default rounds {@link #merge}'s float32 map: the reference of a backend's direct
     * bf16 output.
     *
     * @param seq (B, K, C, L) BF16
     * @return (B, C, H, W) or (B, H, W, C) BF16
     */
    default Tensor mergeToBf16(Tensor seq, OrderTable orders, Layout layout) {
        if (seq.dtype() != DType.BF16) throw new dev.jmamba.tensor.JmambaException("cross merge to bf16: seq must be BF16, got " + seq.dtype());
        Tensor sums = merge(seq, orders, layout), map = sums.to(DType.BF16);
        sums.storage().release();
        return map;
    }

    /** The dtype of a merge of {@code seqType} sequences: float32 for bf16 (a sum of K bf16 values), else the same. */
    static DType mergedType(DType seqType) { return seqType == DType.BF16 ? DType.F32 : seqType; }

    /** The implementation for {@code device}. */
    static Scan2dKernels forDevice(Device device) {
        return dev.jmamba.ssm.DeviceSlot.find(Scan2dKernels.class, CpuScan2dKernels.INSTANCE, Scan2dKernels::supports, device, "cross scan/merge");
    }
}
