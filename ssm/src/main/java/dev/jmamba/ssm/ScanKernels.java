package dev.jmamba.ssm;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;


/**
 * Where a selective scan runs: one implementation per kind of device. {@link CpuScanKernels} ships
 * here; a GPU module adds its own implementation and lists it in
 * {@code META-INF/services/dev.jmamba.ssm.ScanKernels}, and {@link #forDevice} picks it for its devices.
 */
public interface ScanKernels {

    /** Whether this implementation runs scans whose tensors live on {@code device}. */
    boolean supports(Device device);

    /**
     * Runs the scan forward.
     *
     * @param wantLastState whether to return the (B, D, N) final hidden state too
     * @return out (B, D, L) in u's dtype, the last state or null, and whatever the backward needs
     */
    Forward forward(ScanTensors in, boolean wantLastState);

    /**
     * Gradients of {@code sum(gradOut · out)} for the same inputs.
     *
     * @param saved   {@link Forward#saved()} of the forward of {@code in}
     * @param gradOut (B, D, L) gradient with respect to out
     * @return eight tensors in {@link ScanTensors#toArray()} order, each in its input's shape and
     *         dtype; null where the input was null
     */
    Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut);

    /**
     * The forward result.
     *
     * @param out       (B, D, L)
     * @param lastState (B, D, N) or null
     * @param saved     opaque state for {@link #backward}
     */
    record Forward(Tensor out, Tensor lastState, Object saved) {}

    /** The implementation for {@code device}: the CPU one, else the first registered one that supports it. */
    static ScanKernels forDevice(Device device) {
        return dev.jmamba.ssm.DeviceSlot.find(ScanKernels.class, CpuScanKernels.INSTANCE, ScanKernels::supports, device, "selective scan");
    }
}
