package dev.jmamba.vision.parity;

import dev.jmamba.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * LocalMamba against the PyTorch reference of hunto/LocalMamba (lib/models/mamba/multi_mamba.py MultiMamba and
 * BiAttn, local_scan.py window orders, lib/models/local_vim.py VisionMamba with RoPE on hidden states and
 * residual, mean pooling): the multi-direction mixer on a 14×14 grid with h, v_flip, w7, w2_flip, and a
 * two-layer LocalVim whose layers use all eight candidate directions. Output, input gradient and every
 * parameter gradient; tolerances in {@link ParityCheck}.
 *
 * <p>On purpose different: on grids that a window size does not divide, the official Triton scan pads the grid
 * with zero tokens and scans them (they change the state that later tokens see); jmamba's window orders skip
 * the padding cells so that every order is a permutation of the real tokens. The fixtures use a 14×14 grid
 * (as LocalVim-T at 224 px), where both are the same. The BiAttn gate is applied before putting a direction's
 * output back in row-major order (the official code does it after): the gate depends only on the mean over
 * tokens, so the result is the same — which these fixtures check.
 */
class LocalMambaParityTest {
    @Test void mixerFloat64() { ParityRun.cpu(ParityCases.LOCAL_MIXER, DType.F64); }

    @Test void mixerFloat32() { ParityRun.cpu(ParityCases.LOCAL_MIXER, DType.F32); }

    @Test void modelFloat64() { ParityRun.cpu(ParityCases.LOCALVIM_MODEL, DType.F64); }

    @Test void modelFloat32() { ParityRun.cpu(ParityCases.LOCALVIM_MODEL, DType.F32); }
}
