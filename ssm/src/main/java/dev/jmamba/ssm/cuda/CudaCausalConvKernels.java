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
 * Computes in F64 when x is F64, else in F32. A BF16 x (autocast's activations, K <= 8) is read as bf16 by the bf16
 * kernels, which write a bf16 y and float32 dx, dweight and dbias (the float32 kernels' bits for the widened x);
 * other BF16 inputs are converted. Results come back in each input's dtype, dx of a bf16 x as float32 (the
 * gradient type of bf16 activations). dweight and dbias are summed over the blocks in a fixed order (no atomics), so the backward
 * gives the same bits on every run.
 */
public final class CudaCausalConvKernels implements CausalConvKernels {
    // static: ServiceLoader.load makes a fresh instance of this class on every CausalConvKernels.forDevice call
    private static final Map<Integer, CausalConvCuda> LAUNCHERS = new ConcurrentHashMap<>();

    @Override public boolean supports(Device device) {
        return device instanceof Device.Cuda && CudaContext.available();
    }

    @Override public Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu) {
        return forward(x, weight, bias, silu, false);
    }

    @Override public Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu, boolean reverse) {
        int[] s = x.shape();
        DType type = computeType(x.dtype()), storage = storageType(x.dtype(), weight.size(2));
        Tensor xc = rows(x, storage), wc = as(weight, type), bc = as(bias, type);
        Tensor y = Tensor.emptyLike(xc);                                                 // (B, D, L), x's layout and dtype
        launcher(x.device()).forward(storage, ptr(xc), ptr(wc), ptr(bc), ptr(y), s[0], s[1], weight.size(2), silu, layout(xc, reverse));
        return y.to(x.dtype());
    }

    @Override public Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut) {
        return backward(x, weight, bias, silu, gradOut, false);
    }

    @Override public Tensor[] backward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor gradOut, boolean reverse) {
        int[] s = x.shape();
        Device dev = x.device();
        DType type = computeType(x.dtype()), storage = storageType(x.dtype(), weight.size(2));
        Tensor xc = rows(x, storage), wc = as(weight, type), bc = as(bias, type);
        Tensor gy = inLayoutOf(gradOut.to(type), xc);                                   // (B, D, L), x's layout, type
        Tensor gs = silu ? Tensor.emptyLike(xc, type) : null;                           // (B, D, L) scratch
        Tensor dx = Tensor.emptyLike(xc, type);                                         // (B, D, L)
        Tensor dw = Tensor.empty(type, dev, weight.shape());                            // (D, 1, K), written by the launcher
        Tensor db = bias == null ? null : Tensor.empty(type, dev, s[1]);                // (D), written by the launcher
        launcher(dev).backward(storage, ptr(xc), ptr(wc), ptr(bc), ptr(gy), ptr(gs), ptr(dx), ptr(dw), ptr(db),
                s[0], s[1], weight.size(2), silu, layout(xc, reverse));
        DType dxType = storage == DType.BF16 ? DType.F32 : x.dtype();                   // a bf16 activation's gradient: float32
        return new Tensor[] {dx.to(dxType), dw.to(weight.dtype()), db == null ? null : db.to(bias.dtype())};
    }

    /**
     * x in {@code type}, dense with contiguous positions (as is when it already is, e.g. a (B, D, L) view of
     * a (D, B·L) matrix; else a contiguous copy), so that y, gs and dx allocated like it share its strides.
     */
    private static Tensor rows(Tensor x, DType type) {
        Tensor t = x.to(type);
        boolean dense = java.util.Arrays.equals(t.strides(), Tensor.denseStridesLike(t));
        return dense && (t.size(2) == 1 || t.strides()[2] == 1) ? t : t.contiguous();
    }

    /** g itself when its strides equal x's, else a copy of g (in g's dtype) laid out like x. */
    private static Tensor inLayoutOf(Tensor g, Tensor x) {
        if (java.util.Arrays.equals(g.strides(), x.strides())) return g;
        Tensor out = Tensor.emptyLike(x, g.dtype());
        out.copyFrom(g);
        return out;
    }

    private static CausalConvCuda.Rows layout(Tensor x, boolean reverse) {
        return new CausalConvCuda.Rows(x.strides()[0], x.strides()[1], x.size(2), reverse);
    }

    private static DType computeType(DType dtype) { return dtype == DType.F64 ? DType.F64 : DType.F32; }

    /** The dtype the kernels read x in: BF16 where the bf16 kernels take it, else the compute type. */
    private static DType storageType(DType dtype, int k) {
        return dtype == DType.BF16 && CausalConvCuda.takes(DType.BF16, k) ? DType.BF16 : computeType(dtype);
    }

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
