package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;

/**
 * The autocast MLP's activation on the CPU ({@link dev.jmamba.tensor.Backend#biasActivationBf16},
 * {@link dev.jmamba.tensor.Backend#activationGradBf16}), the reference of the CUDA kernels: plain loops, the
 * activation and its derivative in double ({@link UnaryOp#apply}, {@link UnaryOp#derivative}), each result rounded
 * once to its storage type (float32, then bf16 where the result is bf16, as the GPU computes in float).
 */
final class Bf16ActivationCpu {
    private Bf16ActivationCpu() {}

    /** x (..., n) float32 with bias (n), or the bf16 pre-activation with bias null → {bf16 pre or null, bf16 act}. */
    static Tensor[] biasActivation(UnaryOp op, Tensor x, Tensor bias) {
        int n = x.size(-1), total = x.numel();
        float[] xs = x.toFloatArray(), bs = bias == null ? null : bias.toFloatArray();
        float[] pre = new float[total], act = new float[total];
        Parallel.forBlocks(total, 16384, (first, end) -> {
            for (int i = first; i < end; i++) {
                float p = DType.fromBf16(DType.toBf16(bs == null ? xs[i] : xs[i] + bs[i % n]));
                pre[i] = p;
                act[i] = (float) op.apply(p, 0, 0);
            }
        });
        Tensor a = Tensor.of(act, x.shape()).to(DType.BF16);
        return new Tensor[] {bias == null ? null : Tensor.of(pre, x.shape()).to(DType.BF16), a};
    }

    /** gy · op'(pre) in float32: pre bf16 (..., n), gy float32 of its shape. */
    static Tensor activationGrad(UnaryOp op, Tensor pre, Tensor gy) {
        float[] ps = pre.toFloatArray(), gs = gy.toFloatArray(), out = new float[ps.length];
        Parallel.forBlocks(ps.length, 16384, (first, end) -> {
            for (int i = first; i < end; i++) out[i] = (float) (gs[i] * op.derivative(ps[i], 0, 0));
        });
        return Tensor.of(out, pre.shape());
    }
}
