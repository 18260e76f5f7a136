package dev.jmamba.ssm.cuda;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.ssm.ScanKernels;
import dev.jmamba.ssm.ScanPaths;
import dev.jmamba.ssm.ScanTensors;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaStorage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The selective scan for tensors on a CUDA device: {@link SelectiveScanCuda} behind the
 * {@link ScanKernels} slot of the autograd op (registered in META-INF/services). The scan computes in
 * float32 whatever the input dtype, like the CPU kernel; results come back in each input's dtype.
 *
 * <p>When the v6 kernels run the shape, float32 inputs are read where they lie as long as positions are
 * contiguous ({@link ScanLayout}): a (B, D, L) view of a (D, B·L) matrix costs no copy, outputs and
 * gradients are allocated in their input's layout ({@link Tensor#emptyLike}), reverse scans read
 * positions from the end, and a forward that no backward will follow saves no chunk states. A bf16 u
 * (with delta and z bf16 too: {@link ScanTensors#withSequenceType}) runs the *_bf16 v6 kernels: bf16 reads,
 * float32 math, a bf16 out, float32 gradients. Otherwise (v3 kernels) every tensor is made a contiguous
 * float32 copy and reverse scans go through flips. Scans along paths ({@link ScanKernels#forwardAlong}) run the v6
 * kernels of a second program compiled with {@code -DV6_PATHS=1} (on first use), which read and write every position
 * through the paths' (G, L) table ({@link PathTables}) and may share one u between the groups.
 */
public final class CudaScanKernels implements ScanKernels {
    /** Positions per saved state of the backward. */
    static final int CHUNK = 16;

    private final Map<Integer, SelectiveScanCuda> kernels = new ConcurrentHashMap<>();
    private final Map<Integer, SelectiveScanCuda> pathKernels = new ConcurrentHashMap<>();   // -DV6_PATHS=1, compiled on first use

    /** What the backward needs: the float32 inputs as the kernel read them and the saved chunk states. */
    private record Saved(Tensor[] inputs, Tensor states) {}

    @Override public boolean supports(Device device) {
        return device instanceof Device.Cuda && CudaContext.available();
    }

    private SelectiveScanCuda kernel(Device device) {
        int index = ((Device.Cuda) device).index();
        return kernels.computeIfAbsent(index, i -> new SelectiveScanCuda(CudaContext.get(i), CHUNK));
    }

    /** The program whose v6 kernels read positions through a path table (scanAlong). */
    private SelectiveScanCuda pathKernel(Device device) {
        int index = ((Device.Cuda) device).index();
        return pathKernels.computeIfAbsent(index, i -> new SelectiveScanCuda(CudaContext.get(i), CHUNK,
                Long.getLong("jmamba.scan.threads", 0L), true));
    }

    /** Device address of element 0 of a tensor, or 0 for null. */
    private static long ptr(Tensor t) {
        return t == null ? 0 : ((CudaStorage) t.storage()).pointer() + (long) t.dtype().bytes() * t.offset();
    }

    private static Tensor f32(Tensor t) { return t == null ? null : t.to(DType.F32).contiguous(); }

    /** t as float32 with contiguous positions (its last dim), copying only when it must. */
    private static Tensor rows(Tensor t) { return rows(t, DType.F32); }

    /** t as {@code type} with contiguous positions, copying only when it must. */
    private static Tensor rows(Tensor t, DType type) {
        if (t == null) return null;
        Tensor f = t.to(type);
        return f.size(-1) == 1 || f.strides()[f.rank() - 1] == 1 ? f : f.contiguous();
    }

    /** B or C as (B, G, N, L) float32 whose G and N dims merge into one row dim, copying only when they don't. */
    private static Tensor groupRows(Tensor t) {
        Tensor f = rows(t.rank() == 3 ? t.unsqueeze(1) : t);
        int g = f.size(1), n = f.size(2);
        boolean merges = g == 1 || n == 1 || f.strides()[1] == n * f.strides()[2];
        return merges ? f : f.contiguous();
    }

    /**
     * The layout of one call: inputs x (ScanTensors order, as the kernel reads them), and either the forward's
     * out or the backward's gout and gradients (the others null; unused slots get zero strides).
     */
    private static ScanLayout layout(Tensor[] x, Tensor out, Tensor gout, Tensor[] grads, boolean reverse) {
        long[][] seq = new long[8][], bc = new long[4][];
        seq[ScanLayout.U] = seqStrides(x[0]);
        seq[ScanLayout.DELTA] = seqStrides(x[1]);
        seq[ScanLayout.Z] = seqStrides(x[6]);
        seq[ScanLayout.OUT] = seqStrides(out);
        seq[ScanLayout.GOUT] = seqStrides(gout);
        seq[ScanLayout.DU] = seqStrides(grads == null ? null : grads[0]);
        seq[ScanLayout.DDELTA] = seqStrides(grads == null ? null : grads[1]);
        seq[ScanLayout.DZ] = seqStrides(grads == null ? null : grads[6]);
        bc[ScanLayout.B] = bcStrides(x[3]);
        bc[ScanLayout.C] = bcStrides(x[4]);
        bc[ScanLayout.DB] = grads == null ? bc[ScanLayout.B] : bcStrides(grads[3]);
        bc[ScanLayout.DC] = grads == null ? bc[ScanLayout.C] : bcStrides(grads[4]);
        return new ScanLayout(seq, bc, reverse);
    }

    /** {batch, channel} strides of a (B, D, L) tensor with contiguous positions ({0, 0} for null). */
    private static long[] seqStrides(Tensor t) {
        return t == null ? new long[] {0, 0} : new long[] {t.strides()[0], t.strides()[1]};
    }

    /** {batch, row} strides of a (B, G, N, L) tensor whose G and N merge. */
    private static long[] bcStrides(Tensor t) {
        int g = t.size(1), n = t.size(2);
        long row = n == 1 && g > 1 ? t.strides()[1] : t.strides()[2];
        return new long[] {t.strides()[0], row};
    }

    @Override public Forward forward(ScanTensors in, boolean wantLastState) {
        return forward(in, wantLastState, false, true);
    }

    @Override public Forward forward(ScanTensors in, boolean wantLastState, boolean reverse, boolean willBackward) {
        ScanShape s = in.shape();
        SelectiveScanCuda k = kernel(in.u().device());
        if (!k.supportsLayouts(s)) {
            return reverse ? ScanKernels.super.forward(in, wantLastState, true, willBackward) : contiguousForward(in, wantLastState);
        }
        ForwardCall c = prepareForward(in, wantLastState, reverse, willBackward);
        long[] p = c.pointers();
        k.forward(s, in.softplus(), c.layout, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
        return c.result(in);
    }

    @Override public Forward[] forwardPair(ScanTensors a, boolean reverseA, ScanTensors b, boolean reverseB, boolean willBackward) {
        ScanShape s = a.shape();
        SelectiveScanCuda k = kernel(a.u().device());
        if (!s.equals(b.shape()) || a.softplus() != b.softplus() || !k.supportsPairs(s)) {
            return ScanKernels.super.forwardPair(a, reverseA, b, reverseB, willBackward);
        }
        ForwardCall ca = prepareForward(a, false, reverseA, willBackward), cb = prepareForward(b, false, reverseB, willBackward);
        k.forwardPair(s, a.softplus(), ca.layout, ca.pointers(), cb.layout, cb.pointers());
        return new Forward[] {ca.result(a), cb.result(b)};
    }

    /** One v6 forward call: the float32 inputs as the kernel reads them, the outputs, and their layout. */
    private record ForwardCall(Tensor[] x, Tensor out, Tensor states, Tensor last, ScanLayout layout) {
        /** {u, delta, A, Bm, Cm, dSkip, z, deltaBias, out, states, lastState}. */
        long[] pointers() {
            return new long[] {ptr(x[0]), ptr(x[1]), ptr(x[2]), ptr(x[3]), ptr(x[4]), ptr(x[5]), ptr(x[6]), ptr(x[7]),
                    ptr(out), ptr(states), ptr(last)};
        }

        Forward result(ScanTensors in) {
            DType outType = in.u().dtype();
            return new Forward(out.to(outType), last == null ? null : last.to(outType), new Saved(x, states));
        }
    }

    private static ForwardCall prepareForward(ScanTensors in, boolean wantLastState, boolean reverse, boolean willBackward) {
        return prepareForward(in, wantLastState, reverse, willBackward, 0);
    }

    /** As above; {@code columns} (a device (G, L) path table, or 0) makes the kernels scan each group along its row. */
    private static ForwardCall prepareForward(ScanTensors in, boolean wantLastState, boolean reverse, boolean willBackward,
                                              long columns) {
        ScanShape s = in.shape();
        Device dev = in.u().device();
        Tensor[] x = in.toArray();
        boolean bf16 = x[0].dtype() == DType.BF16;                                                 // u, delta, z, out in bf16
        for (int i : new int[] {0, 1, 6}) x[i] = rows(x[i], bf16 ? DType.BF16 : DType.F32);
        for (int i : new int[] {2, 5, 7}) x[i] = f32(x[i]);
        x[3] = groupRows(x[3]);
        x[4] = groupRows(x[4]);
        Tensor out = in.sharedInput() ? Tensor.empty(x[0].dtype(), dev, s.batch(), s.channels(), s.length())
                                      : Tensor.emptyLike(x[0]);                                  // (B, D, L), u's layout and type
        Tensor states = willBackward ? Tensor.empty(DType.F32, dev, s.batch(), s.channels(), s.chunks(CHUNK), s.state()) : null;
        Tensor last = wantLastState ? Tensor.empty(DType.F32, dev, s.batch(), s.channels(), s.state()) : null;
        ScanLayout layout = layout(x, out, null, null, reverse);
        if (columns != 0) layout = layout.withPaths(columns, in.sharedInput());
        return new ForwardCall(x, out, states, last, bf16 ? layout.withBf16() : layout);
    }

    @Override public Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut) {
        return backward(in, saved, gradOut, false);
    }

    @Override public Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut, boolean reverse) {
        ScanShape s = in.shape();
        SelectiveScanCuda k = kernel(in.u().device());
        if (!k.supportsLayouts(s)) {
            return reverse ? ScanKernels.super.backward(in, saved, gradOut, true) : contiguousBackward(in, saved, gradOut);
        }
        BackwardCall c = prepareBackward(saved, gradOut, reverse);
        long[] p = c.pointers();
        k.backward(s, in.softplus(), c.layout, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12],
                p[13], p[14], p[15], p[16], p[17]);
        return toInputTypes(in, c.grads);
    }

    @Override public Tensor[][] backwardPair(ScanTensors a, Object savedA, Tensor gradA, boolean reverseA,
                                             ScanTensors b, Object savedB, Tensor gradB, boolean reverseB) {
        ScanShape s = a.shape();
        SelectiveScanCuda k = kernel(a.u().device());
        if (!s.equals(b.shape()) || a.softplus() != b.softplus() || !k.supportsPairs(s)) {
            return ScanKernels.super.backwardPair(a, savedA, gradA, reverseA, b, savedB, gradB, reverseB);
        }
        BackwardCall ca = prepareBackward(savedA, gradA, reverseA), cb = prepareBackward(savedB, gradB, reverseB);
        k.backwardPair(s, a.softplus(), ca.layout, ca.pointers(), cb.layout, cb.pointers());
        return new Tensor[][] {toInputTypes(a, ca.grads), toInputTypes(b, cb.grads)};
    }

    /** One v6 backward call: the saved inputs, the incoming gradient, the gradients to fill and their layout. */
    private record BackwardCall(Tensor[] x, Tensor states, Tensor g, Tensor[] grads, ScanLayout layout) {
        /** {u, delta, A, Bm, Cm, dSkip, z, deltaBias, states, gout, du, ddelta, dA, dB, dC, dDskip, dz, ddeltaBias}. */
        long[] pointers() {
            return new long[] {ptr(x[0]), ptr(x[1]), ptr(x[2]), ptr(x[3]), ptr(x[4]), ptr(x[5]), ptr(x[6]), ptr(x[7]),
                    ptr(states), ptr(g), ptr(grads[0]), ptr(grads[1]), ptr(grads[2]), ptr(grads[3]), ptr(grads[4]),
                    ptr(grads[5]), ptr(grads[6]), ptr(grads[7])};
        }
    }

    private static BackwardCall prepareBackward(Object saved, Tensor gradOut, boolean reverse) {
        return prepareBackward(saved, gradOut, reverse, 0, false);
    }

    /** As above along the paths of the (G, L) table at {@code columns} (or 0); a shared u gets a (B, D, L) du, one slice per group. */
    private static BackwardCall prepareBackward(Object saved, Tensor gradOut, boolean reverse, long columns, boolean sharedU) {
        if (!(saved instanceof Saved sv) || sv.states == null) {
            throw new JmambaException("CudaScanKernels.backward: 'saved' must come from a forward that expected a backward");
        }
        Tensor[] x = sv.inputs;
        Tensor g = rows(gradOut);
        Tensor[] grads = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            if (x[i] != null) grads[i] = Tensor.emptyLike(x[i], DType.F32);   // each in its input's layout, float32
        }
        if (sharedU) grads[0] = Tensor.empty(DType.F32, x[1].device(), x[1].shape());   // (B, D, L): summed over the groups after
        ScanLayout layout = layout(x, null, g, grads, reverse);
        if (columns != 0) layout = layout.withPaths(columns, sharedU);
        return new BackwardCall(x, sv.states, g, grads, x[0].dtype() == DType.BF16 ? layout.withBf16() : layout);
    }

    @Override public Forward forwardAlong(ScanPaths paths, ScanTensors in, boolean willBackward) {
        ScanShape s = in.shape();
        SelectiveScanCuda k = pathKernel(in.u().device());
        if (!k.supportsLayouts(s)) return ScanKernels.super.forwardAlong(paths, in, willBackward);
        ForwardCall c = prepareForward(in, false, false, willBackward, ptr(PathTables.on(in.u().device(), paths)));
        long[] p = c.pointers();
        k.forward(s, in.softplus(), c.layout, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
        return c.result(in);
    }

    @Override public Tensor[] backwardAlong(ScanPaths paths, ScanTensors in, Object saved, Tensor gradOut) {
        ScanShape s = in.shape();
        SelectiveScanCuda k = pathKernel(in.u().device());
        if (!(saved instanceof Saved)) return ScanKernels.super.backwardAlong(paths, in, saved, gradOut);   // the forward's fallback
        BackwardCall c = prepareBackward(saved, gradOut, false, ptr(PathTables.on(in.u().device(), paths)), in.sharedInput());
        long[] p = c.pointers();
        k.backward(s, in.softplus(), c.layout, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12],
                p[13], p[14], p[15], p[16], p[17]);
        if (in.sharedInput()) c.grads[0] = paths.sumGroups(c.grads[0]);
        return toInputTypes(in, c.grads);
    }

    /** The v3 path: contiguous float32 copies of everything. */
    private Forward contiguousForward(ScanTensors in, boolean wantLastState) {
        ScanShape s = in.shape();
        Device dev = in.u().device();
        Tensor[] x = in.toArray();
        for (int i = 0; i < x.length; i++) x[i] = f32(x[i]);
        Tensor out = Tensor.empty(DType.F32, dev, s.batch(), s.channels(), s.length());               // (B, D, L)
        Tensor states = Tensor.empty(DType.F32, dev, s.batch(), s.channels(), s.chunks(CHUNK), s.state());
        Tensor last = wantLastState ? Tensor.empty(DType.F32, dev, s.batch(), s.channels(), s.state()) : null;
        kernel(dev).forward(s, in.softplus(), ptr(x[0]), ptr(x[1]), ptr(x[2]), ptr(x[3]), ptr(x[4]), ptr(x[5]), ptr(x[6]),
                ptr(x[7]), ptr(out), ptr(states), ptr(last));
        DType outType = in.u().dtype();
        return new Forward(out.to(outType), last == null ? null : last.to(outType), new Saved(x, states));
    }

    private Tensor[] contiguousBackward(ScanTensors in, Object saved, Tensor gradOut) {
        if (!(saved instanceof Saved sv)) {
            throw new JmambaException("CudaScanKernels.backward: 'saved' must come from CudaScanKernels.forward");
        }
        ScanShape s = in.shape();
        Device dev = in.u().device();
        Tensor[] x = sv.inputs;
        Tensor g = f32(gradOut);
        Tensor[] grads = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) if (x[i] != null) grads[i] = Tensor.zeros(DType.F32, dev, x[i].shape());
        kernel(dev).backward(s, in.softplus(), ptr(x[0]), ptr(x[1]), ptr(x[2]), ptr(x[3]), ptr(x[4]), ptr(x[5]), ptr(x[6]),
                ptr(x[7]), ptr(sv.states), ptr(g), ptr(grads[0]), ptr(grads[1]), ptr(grads[2]), ptr(grads[3]), ptr(grads[4]),
                ptr(grads[5]), ptr(grads[6]), ptr(grads[7]));
        return toInputTypes(in, grads);
    }

    /** Each gradient in Autocast.gradientType of its input's dtype (B and C grads back to (B, N, L) when given so). */
    private static Tensor[] toInputTypes(ScanTensors in, Tensor[] grads) {
        Tensor[] inputs = in.toArray();
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) continue;
            Tensor gi = grads[i];
            if (gi.rank() != inputs[i].rank()) gi = gi.squeeze(1);   // (B, 1, N, L) -> (B, N, L)
            grads[i] = gi.to(Autocast.gradientType(inputs[i].dtype()));
        }
        return grads;
    }
}
