package dev.jmamba.vision.parity;

import dev.jmamba.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Vim against the PyTorch reference of hustvl/Vim (vim/models_mamba.py VisionMamba with rms_norm, fused
 * add + norm, middle class token, bimamba v2 with if_divide_out; mamba_simple.Mamba on the reference scan):
 * the mixer ({@code VimMixer}, CPU token-major formulation) on a 13-token sequence, and a two-layer model.
 * Output, input gradient and every parameter gradient; tolerances in {@link ParityCheck}.
 *
 * <p>On purpose different: none in the computed function. Vim keeps the residual stream in fp32 while the
 * mixer may run in half precision ({@code residual_in_fp32}); jmamba computes everything in the model's dtype,
 * which is the same function in float32 and float64 (the dtypes tested here).
 */
class VimParityTest {
    @Test void mixerFloat64() { ParityRun.cpu(ParityCases.VIM_MIXER, DType.F64); }

    @Test void mixerFloat32() { ParityRun.cpu(ParityCases.VIM_MIXER, DType.F32); }

    @Test void modelFloat64() { ParityRun.cpu(ParityCases.VIM_MODEL, DType.F64); }

    @Test void modelFloat32() { ParityRun.cpu(ParityCases.VIM_MODEL, DType.F32); }
}
