package dev.jmamba.vision.parity;

import dev.jmamba.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * VMamba against the PyTorch reference of MzeroMiko/VMamba (classification/models/vmamba.py: SS2D forward_type
 * v05_noz, VSSBlock, VSSM with patch embed v2 and downsample v3): SS2D on a non-square 5×7 map (cross scan
 * and merge on H ≠ W), and a two-stage model on a 28×20 image (7×5 then 4×3 maps, odd sizes through the
 * stride-2 convolutions). Output, input gradient and every parameter gradient; tolerances in {@link ParityCheck}.
 *
 * <p>On purpose different, same function: VMamba-T runs channels-first with LayerNorm2d and 1×1-conv
 * projections (Linear2d); jmamba runs channels-last with LayerNorm and Linear, which is the same function with
 * the same parameter names and shapes (the reference here is the channels-last form of the official code).
 */
class VMambaParityTest {
    @Test void ss2dFloat64() { ParityRun.cpu(ParityCases.SS2D_MIXER, DType.F64); }

    @Test void ss2dFloat32() { ParityRun.cpu(ParityCases.SS2D_MIXER, DType.F32); }

    @Test void modelFloat64() { ParityRun.cpu(ParityCases.VMAMBA_MODEL, DType.F64); }

    @Test void modelFloat32() { ParityRun.cpu(ParityCases.VMAMBA_MODEL, DType.F32); }
}
