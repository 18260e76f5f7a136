package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractLayerNormChannelsTest;

/** The channels-first layer norm conformance suite on the CPU backend. */
class CpuBackendLayerNormChannelsTest extends BackendContractLayerNormChannelsTest {
    @Override protected Device device() { return Device.CPU; }
}
