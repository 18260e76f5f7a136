package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.ScanKernels;
import dev.jmamba.ssm.ScanTensors;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaStorage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The selective scan for tensors on a CUDA device: {@link SelectiveScanCuda} behind the
 * {@link ScanKernels} slot of the autograd op (registered in META-INF/services). Inputs are read as
 * contiguous float32 (the scan computes in float32 whatever the input dtype, like the CPU kernel);
 * results come back in each input's dtype.
 */
public final class CudaScanKernels implements ScanKernels {
    /** Positions per saved state of the backward. */
    static final int CHUNK = 16;

    private final Map<Integer, SelectiveScanCuda> kernels = new ConcurrentHashMap<>();

    /** What the backward needs: the float32 inputs and the saved chunk states. */
    private record Saved(Tensor[] inputs, Tensor states) {}

    @Override public boolean supports(Device device) {
        return device instanceof Device.Cuda && CudaContext.available();
    }

    private SelectiveScanCuda kernel(Device device) {
        int index = ((Device.Cuda) device).index();
        return kernels.computeIfAbsent(index, i -> new SelectiveScanCuda(CudaContext.get(i), CHUNK));
    }

    /** Device address of element 0 of a contiguous float32 tensor, or 0 for null. */
    private static long ptr(Tensor t) {
        return t == null ? 0 : ((CudaStorage) t.storage()).pointer() + 4L * t.offset();
    }

    private static Tensor f32(Tensor t) { return t == null ? null : t.to(DType.F32).contiguous(); }

    @Override public Forward forward(ScanTensors in, boolean wantLastState) {
        ScanShape s = in.shape();
        Device dev = in.u().device();
        SelectiveScanCuda k = kernel(dev);
        Tensor[] x = in.toArray();
        for (int i = 0; i < x.length; i++) x[i] = f32(x[i]);
        Tensor out = Tensor.zeros(DType.F32, dev, s.batch(), s.channels(), s.length());               // (B, D, L)
        Tensor states = Tensor.zeros(DType.F32, dev, s.batch(), s.channels(), s.chunks(CHUNK), s.state());
        Tensor last = wantLastState ? Tensor.zeros(DType.F32, dev, s.batch(), s.channels(), s.state()) : null;
        k.forward(s, in.softplus(), ptr(x[0]), ptr(x[1]), ptr(x[2]), ptr(x[3]), ptr(x[4]), ptr(x[5]), ptr(x[6]), ptr(x[7]),
                ptr(out), ptr(states), ptr(last));
        DType outType = in.u().dtype();
        return new Forward(out.to(outType), last == null ? null : last.to(outType), new Saved(x, states));
    }

    @Override public Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut) {
        if (!(saved instanceof Saved sv)) {
            throw new IllegalArgumentException("CudaScanKernels.backward: 'saved' must come from CudaScanKernels.forward");
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
        Tensor[] inputs = in.toArray();
        for (int i = 0; i < grads.length; i++) if (grads[i] != null) grads[i] = grads[i].to(inputs[i].dtype());
        return grads;
    }
}
