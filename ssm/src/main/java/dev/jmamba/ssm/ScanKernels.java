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
     * @return eight tensors in {@link ScanTensors#toArray()} order, each in its input's shape and in
     *         autograd's {@code Autocast.gradientType} of its dtype (float32 for bf16 inputs); null where the
     *         input was null
     */
    Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut);

    /**
     * The forward with options: {@code reverse} scans positions L-1 .. 0 (out equals the scan of the
     * L-flipped inputs, flipped back); {@code willBackward} false lets an implementation skip what only
     * the backward needs. This default runs {@link #forward(ScanTensors, boolean)} on flipped copies.
     */
    default Forward forward(ScanTensors in, boolean wantLastState, boolean reverse, boolean willBackward) {
        if (!reverse) return forward(in, wantLastState);
        ScanTensors flipped = Reversal.flip(in);
        Forward f = forward(flipped, wantLastState);
        return new Forward(f.out().flip(2), f.lastState(), new Reversal.Saved(flipped, f.saved()));
    }

    /** The backward of {@link #forward(ScanTensors, boolean, boolean, boolean)}; this default undoes its flips. */
    default Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut, boolean reverse) {
        if (!reverse) return backward(in, saved, gradOut);
        Reversal.Saved sv = (Reversal.Saved) saved;
        return Reversal.unflipGrads(backward(sv.flipped(), sv.inner(), gradOut.flip(2)));
    }

    /**
     * Two scans of the same shape at once (Vim's two directions: one kernel launch on the GPU). Returns the
     * two forwards (no last states). This default runs them one after the other.
     */
    default Forward[] forwardPair(ScanTensors a, boolean reverseA, ScanTensors b, boolean reverseB, boolean willBackward) {
        return new Forward[] {forward(a, false, reverseA, willBackward), forward(b, false, reverseB, willBackward)};
    }

    /** The backward of {@link #forwardPair}: the gradients of each call, as {@link #backward} returns them. */
    default Tensor[][] backwardPair(ScanTensors a, Object savedA, Tensor gradA, boolean reverseA,
                                    ScanTensors b, Object savedB, Tensor gradB, boolean reverseB) {
        return new Tensor[][] {backward(a, savedA, gradA, reverseA), backward(b, savedB, gradB, reverseB)};
    }

    /**
     * The scan of each group along its path ({@link SelectiveScan#scanAlong}): every sequence input (u, delta, z, and
     * B, C per group) and out are in memory order, and group g visits the columns {@code paths.column(g, 0), ...}; u
     * may be shared by the groups ({@link ScanTensors#sharedInput()}). No last state. This default gathers each
     * group's sequences into path order, runs {@link #forward(ScanTensors, boolean, boolean, boolean)} and scatters out
     * back.
     */
    default Forward forwardAlong(ScanPaths paths, ScanTensors in, boolean willBackward) {
        ScanTensors routed = PathRouting.gather(paths, in);
        Forward f = forward(routed, false, false, willBackward);
        return new Forward(paths.scatter(f.out()), null, new PathRouting.Saved(routed, f.saved()));
    }

    /**
     * The backward of {@link #forwardAlong}: gradients in {@link ScanTensors#toArray()} order and memory order, u's
     * summed over the groups when it is shared.
     */
    default Tensor[] backwardAlong(ScanPaths paths, ScanTensors in, Object saved, Tensor gradOut) {
        PathRouting.Saved sv = (PathRouting.Saved) saved;
        Tensor[] g = backward(sv.routed(), sv.inner(), paths.gather(gradOut, false));
        return PathRouting.scatterGrads(paths, in, g);
    }

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
