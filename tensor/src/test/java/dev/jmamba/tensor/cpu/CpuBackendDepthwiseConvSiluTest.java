package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractDepthwiseConvSiluTest;

/** The fused depthwise conv + SiLU conformance suite on the CPU backend (whose implementation is the composition). */
class CpuBackendDepthwiseConvSiluTest extends BackendContractDepthwiseConvSiluTest {
    @Override protected Device device() { return Device.CPU; }
}
