package dev.jmamba.app;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MatmulPrecision;

/**
 * {@code --precision fp32|tf32|bf16}: how float32 matrix products (linear layers, convolutions,
 * matmuls) round their inputs on the device ({@link MatmulPrecision}); tensors, norms, the scan and
 * the optimizer stay float32. Default fp32; tf32 and bf16 need a CUDA device.
 */
final class PrecisionOption {
    static final String DESCRIPTION = "fp32 (default), tf32 or bf16: the input rounding of float32 matrix products on"
            + " CUDA tensor cores (data, norms, scan and optimizer stay float32).";

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
        return p;
    }
}
