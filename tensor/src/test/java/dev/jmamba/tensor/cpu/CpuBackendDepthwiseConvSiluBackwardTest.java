package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractDepthwiseConvSiluBackwardTest;

/** The depthwise conv + SiLU whole-backward and bf16 suite on the CPU backend (the Backend default: the composition). */
class CpuBackendDepthwiseConvSiluBackwardTest extends BackendContractDepthwiseConvSiluBackwardTest {
    @Override protected Device device() { return Device.CPU; }
}
