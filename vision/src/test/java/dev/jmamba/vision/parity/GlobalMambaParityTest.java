package dev.jmamba.vision.parity;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.globalmamba.DctBands;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GlobalMamba against the PyTorch reference of wangck20/GlobalMamba (globalmamba/models_mamba.py: torch_dct
 * dct_2d / idct_2d with norm=None, mask_generate's low-pass triangles, one shared PatchEmbed_freq conv with a
 * bilinear resize per band, middle class token, the released unidirectional Mamba mixer) on a 32×32 image
 * (bands of 1, 4, 16 and 64 tokens). Output, input gradient and every parameter gradient; tolerances in
 * {@link ParityCheck}.
 *
 * <p>On purpose different: the released code sizes pos_embed for 256 + 1 tokens while its tokeniser yields
 * 255 + 1 (the addition could not broadcast); jmamba and the reference size it for the real token count
 * (spec globalmamba.md §2.3). jmamba computes the band images with the orthonormal DCT matrix instead of
 * torch_dct's unnormalised transform; the mask sits between a transform and its inverse, so the band images
 * are the same (checked here in float64).
 */
class GlobalMambaParityTest {
    @Test void modelFloat64() { ParityRun.cpu(ParityCases.GLOBALMAMBA_MODEL, DType.F64); }

    @Test void modelFloat32() { ParityRun.cpu(ParityCases.GLOBALMAMBA_MODEL, DType.F32); }

    /**
     * The cached DCT basis is float64 (it was float32-rounded, which limited float64 band images to ~1e-8,
     * found by {@link #modelFloat64}): D·Dᵀ = I to float64 rounding.
     */
    @Test void dctBasisIsOrthonormalInFloat64() {
        int n = 56;
        Tensor d = DctBands.basis(n);
        assertEquals(DType.F64, d.dtype());
        double[] v = d.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < n; k++) dot += v[i * n + k] * v[j * n + k];
                worst = Math.max(worst, Math.abs(dot - (i == j ? 1 : 0)));
            }
        }
        assertTrue(worst < 1e-13, "D·Dᵀ − I: " + worst);
    }
}
