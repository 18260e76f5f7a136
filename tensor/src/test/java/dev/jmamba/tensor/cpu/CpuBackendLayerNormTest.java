package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractLayerNormTest;

/** The fused LayerNorm backward conformance suite on the CPU backend. */
class CpuBackendLayerNormTest extends BackendContractLayerNormTest {
    @Override protected Device device() { return Device.CPU; }
}
