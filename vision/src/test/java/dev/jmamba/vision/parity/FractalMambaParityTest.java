package dev.jmamba.vision.parity;

import dev.jmamba.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * FractalMamba against a PyTorch reference of jmamba's documented reading (no official code exists; spec
 * fractalmamba.md): EasonXiao-888/GrootVL's GrootV skeleton (grootv.py StemLayer, GrootVLayer, level norm,
 * DownsampleLayer, conv_head with BatchNorm in eval mode) whose Tree_SSM (tree_scanning.py: in_proj with z,
 * depthwise conv, SiLU, h_norm of the N = 1 hidden state read out with C, Ds skip, out_norm, SiLU(z) gate)
 * scans along the generalised Hilbert curve and its transpose (spec scan-curves.md §2, an independent Python
 * gilbert) instead of a minimum spanning tree. The mixer on a 6×5 map, and a two-level model on a 28×20 image
 * (7×5 then 4×3 grids: non-square, odd sides). Output, input gradient and every parameter gradient; tolerances
 * in {@link ParityCheck}.
 *
 * <p>What this checks: that the network computes the function the spec describes, with GrootV's names; not
 * that it is the authors' FractalMamba (unknowable without their code).
 */
class FractalMambaParityTest {
    @Test void mixerFloat64() { ParityRun.cpu(ParityCases.FRACTAL_MIXER, DType.F64); }

    @Test void mixerFloat32() { ParityRun.cpu(ParityCases.FRACTAL_MIXER, DType.F32); }

    @Test void modelFloat64() { ParityRun.cpu(ParityCases.FRACTALMAMBA_MODEL, DType.F64); }

    @Test void modelFloat32() { ParityRun.cpu(ParityCases.FRACTALMAMBA_MODEL, DType.F32); }
}
