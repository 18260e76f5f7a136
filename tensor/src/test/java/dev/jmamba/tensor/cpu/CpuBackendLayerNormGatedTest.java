package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractLayerNormGatedTest;

/** The SiLU-gated layer norm conformance suite on the CPU backend. */
class CpuBackendLayerNormGatedTest extends BackendContractLayerNormGatedTest {
    @Override protected Device device() { return Device.CPU; }
}
