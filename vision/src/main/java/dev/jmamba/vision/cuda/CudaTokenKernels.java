package dev.jmamba.vision.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaStorage;
import dev.jmamba.vision.tokenops.TokenKernels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fused token ops for tensors on a CUDA device ({@code token_ops.cu} through {@link TokenOpsCuda}), registered
 * in META-INF/services/dev.jmamba.vision.tokenops.TokenKernels. F64 runs in F64, everything else is read as a
 * contiguous F32 copy (no copy when it already is one) and the results converted back to the input's dtype; the
 * per-token statistics stay F32 (F64 for F64).
 */
public final class CudaTokenKernels implements TokenKernels {
    // static: ServiceLoader.load makes a fresh instance of this class on every TokenKernels.forDevice call
    private static final Map<Integer, TokenOpsCuda> LAUNCHERS = new ConcurrentHashMap<>();

    @Override public boolean supports(Device device) {
        return device instanceof Device.Cuda && CudaContext.available();
    }

    @Override public Tensor rotary(Tensor x, Tensor cos, Tensor sin) { return rotate(x, cos, sin, false); }

    @Override public Tensor rotaryBackward(Tensor gy, Tensor cos, Tensor sin) { return rotate(gy, cos, sin, true); }

    private static Tensor rotate(Tensor x, Tensor cos, Tensor sin, boolean adjoint) {
        DType type = computeType(x.dtype());
        Tensor xc = as(x, type), cc = as(cos, type), sc = as(sin, type);
        Tensor out = Tensor.empty(type, x.device(), x.shape());                            // (B, L, D)
        launcher(x.device()).rotary(type, ptr(xc), ptr(cc), ptr(sc), ptr(out), x.size(0), x.size(1), x.size(2), adjoint);
        return out.to(x.dtype());
    }

    @Override public Tensor[] tokenMeanNorm(Tensor y, double eps) {
        int n = y.size(0), c = y.size(1), b = y.size(2), l = y.size(3);
        DType type = computeType(y.dtype());
        Device dev = y.device();
        Tensor yc = as(y, type);
        Tensor xbar = Tensor.empty(type, dev, n, b, c), mean = Tensor.empty(type, dev, n, b, l), rstd = Tensor.empty(type, dev, n, b, l);
        launcher(dev).tokenMeanNorm(type, ptr(yc), ptr(xbar), ptr(mean), ptr(rstd), n, c, b, l, eps);
        return new Tensor[] {xbar.to(y.dtype()), mean, rstd};
    }

    @Override public Tensor tokenMeanNormBackward(Tensor gxbar, Tensor y, Tensor mean, Tensor rstd) {
        int n = y.size(0), c = y.size(1), b = y.size(2), l = y.size(3);
        DType type = computeType(y.dtype());
        Tensor gc = as(gxbar, type), yc = as(y, type), mc = as(mean, type), rc = as(rstd, type);
        Tensor gy = Tensor.empty(type, y.device(), n, c, b, l);
        launcher(y.device()).tokenMeanNormBackward(type, ptr(gc), ptr(yc), ptr(mc), ptr(rc), ptr(gy), n, c, b, l);
        return gy.to(y.dtype());
    }

    @Override public Tensor rowScale(Tensor x, Tensor g) {
        DType type = computeType(x.dtype());
        Tensor xc = as(x, type), gc = as(g, type);
        Tensor out = Tensor.empty(type, x.device(), x.shape());                            // (R, L)
        launcher(x.device()).rowScale(type, ptr(xc), ptr(gc), ptr(out), x.size(0), x.size(1));
        return out.to(x.dtype());
    }

    @Override public Tensor[] rowScaleBackward(Tensor gy, Tensor x, Tensor g, boolean wantGx, boolean wantGg) {
        DType type = computeType(x.dtype());
        Device dev = x.device();
        Tensor gyc = as(gy, type), xc = as(x, type), gc = as(g, type);
        Tensor gx = wantGx ? Tensor.empty(type, dev, x.shape()) : null;                   // (R, L)
        Tensor gg = wantGg ? Tensor.empty(type, dev, g.shape()) : null;                   // (R)
        launcher(dev).rowScaleBackward(type, ptr(gyc), ptr(xc), ptr(gc), ptr(gx), ptr(gg), x.size(0), x.size(1));
        return new Tensor[] {gx == null ? null : gx.to(x.dtype()), gg == null ? null : gg.to(g.dtype())};
    }

    private static DType computeType(DType dtype) { return dtype == DType.F64 ? DType.F64 : DType.F32; }

    /** t in {@code type}, contiguous (itself when it already is). */
    private static Tensor as(Tensor t, DType type) { return t.to(type).contiguous(); }

    private static TokenOpsCuda launcher(Device device) {
        int index = ((Device.Cuda) device).index();
        return LAUNCHERS.computeIfAbsent(index, i -> new TokenOpsCuda(CudaContext.get(i)));
    }

    /** Device address of element 0 of a contiguous tensor, or 0 for null. */
    private static long ptr(Tensor t) {
        return t == null ? 0 : ((CudaStorage) t.storage()).pointer() + (long) t.dtype().bytes() * t.offset();
    }
}
