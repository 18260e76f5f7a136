package dev.jmamba.app;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MatmulPrecision;

/**
 * {@code --precision fp32|tf32|bf16} on a CUDA device. fp32 (default): float32 everywhere. tf32: float32
 * matrix products round their inputs to TF32 on tensor cores ({@link MatmulPrecision}). bf16: mixed
 * precision — autograd's {@link Autocast} policy (matmul/Linear operands cast to bf16 and saved as
 * bf16, float32 accumulation and results; norms, scan, losses, optimizer float32), and the float32
 * products outside the policy (convolutions) round their inputs to bf16 on tensor cores.
 */
final class PrecisionOption {
    static final String DESCRIPTION = "fp32 (default), tf32 or bf16 (CUDA only). bf16 = mixed precision: matrix products"
            + " with bf16 operands and float32 accumulation (autocast); norms, scan, losses and optimizer stay float32.";

    private PrecisionOption() {}

    /** Parses {@code text} (null = fp32), checks it suits {@code device}, and sets it there. */
    static MatmulPrecision apply(String text, Device device) {
        MatmulPrecision p;
        try {
            p = text == null ? MatmulPrecision.FP32 : MatmulPrecision.parse(text);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--precision: " + e.getMessage());
        }
        if (p != MatmulPrecision.FP32 && !(device instanceof Device.Cuda)) {
            throw UserError.usage("--precision " + p + " needs --device cuda (the CPU computes in fp32 only); got --device " + device);
        }
        Backends.raw(device).setMatmulPrecision(p);
        Autocast.setAcceleratorDefault(p == MatmulPrecision.BF16 ? DType.BF16 : null);
        return p;
    }
}
