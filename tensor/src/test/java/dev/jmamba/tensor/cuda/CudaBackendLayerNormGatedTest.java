package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractLayerNormGatedTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The SiLU-gated layer norm conformance suite on CUDA device 0. */
@Tag("gpu")
class CudaBackendLayerNormGatedTest extends BackendContractLayerNormGatedTest {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Override protected Device device() { return Device.cuda(0); }
}
