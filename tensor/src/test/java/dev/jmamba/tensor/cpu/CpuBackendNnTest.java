package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractNnTest;

/** Conformance suite part two on the CPU backend. */
class CpuBackendNnTest extends BackendContractNnTest {
    @Override protected Device device() { return Device.CPU; }
}
