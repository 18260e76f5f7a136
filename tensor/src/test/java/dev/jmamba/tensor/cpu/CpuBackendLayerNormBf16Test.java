package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractLayerNormBf16Test;

/** The autocast LayerNorm suite on the CPU backend (Backend's composite defaults: the reference of the CUDA kernels). */
class CpuBackendLayerNormBf16Test extends BackendContractLayerNormBf16Test {
    @Override protected Device device() { return Device.CPU; }
}
