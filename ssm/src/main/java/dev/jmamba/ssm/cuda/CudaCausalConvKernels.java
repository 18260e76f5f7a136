package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.conv.CausalConvKernels;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaStorage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link dev.jmamba.ssm.conv.CausalConv1d} for tensors on a CUDA device ({@code causal_conv1d.cu}
 * through {@link CausalConvCuda}), registered in META-INF/services/dev.jmamba.ssm.conv.CausalConvKernels.
 * Computes in F64 when x is F64, else in F32 (BF16 inputs are converted); results come back in each
 * input's dtype. dweight and dbias are summed with one atomicAdd per block, so their last bits may
 * differ from run to run.
 */
public final class CudaCausalConvKernels implements CausalConvKernels {
    // static: ServiceLoader.load makes a fresh instance of this class on every CausalConvKernels.forDevice call
    private static final Map<Integer, CausalConvCuda> LAUNCHERS = new ConcurrentHashMap<>();

    @Override public boolean supports(Device device) {
        return device instanceof Device.Cuda && CudaContext.available();
    }

    @Override public Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu) {
        int[] s = x.shape();
        DType type = computeType(x.dtype());
        Tensor xc = as(x, type), wc = as(weight, type), bc = as(bias, type);
        Tensor y = Tensor.zeros(type, x.device(), s);                                    // (B, D, L)
        launcher(x.device()).forward(type, ptr(xc), ptr(wc), ptr(bc), ptr(y), s[0], s[1], s[2], weight.size(2), silu);
        return y.to(x.dtype());
    }

    @Override public Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut) {
        int[] s = x.shape();
        Device dev = x.device();
        DType type = computeType(x.dtype());
        Tensor xc = as(x, type), wc = as(weight, type), bc = as(bias, type), gy = as(gradOut, type);
        Tensor gs = silu ? Tensor.zeros(type, dev, s) : null;                            // (B, D, L) scratch
        Tensor dx = Tensor.zeros(type, dev, s);                                          // (B, D, L)
        Tensor dw = Tensor.zeros(type, dev, weight.shape());                             // (D, 1, K)
        Tensor db = bias == null ? null : Tensor.zeros(type, dev, s[1]);                 // (D)
        launcher(dev).backward(type, ptr(xc), ptr(wc), ptr(bc), ptr(gy), ptr(gs), ptr(dx), ptr(dw), ptr(db),
                s[0], s[1], s[2], weight.size(2), silu);
        return new Tensor[] {dx.to(x.dtype()), dw.to(weight.dtype()), db == null ? null : db.to(bias.dtype())};
    }

    private static DType computeType(DType dtype) { return dtype == DType.F64 ? DType.F64 : DType.F32; }

    /** t in {@code type}, contiguous; null stays null. */
    private static Tensor as(Tensor t, DType type) { return t == null ? null : t.to(type).contiguous(); }

    private static CausalConvCuda launcher(Device device) {
        int index = ((Device.Cuda) device).index();
        return LAUNCHERS.computeIfAbsent(index, i -> new CausalConvCuda(CudaContext.get(i)));
    }

    /** Device address of element 0 of a contiguous tensor, or 0 for null. */
    private static long ptr(Tensor t) {
        return t == null ? 0 : ((CudaStorage) t.storage()).pointer() + (long) t.dtype().bytes() * t.offset();
    }
}
