package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractDepthwiseConvSiluTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The fused depthwise conv + SiLU conformance suite on CUDA device 0. */
@Tag("gpu")
class CudaBackendDepthwiseConvSiluTest extends BackendContractDepthwiseConvSiluTest {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Override protected Device device() { return Device.cuda(0); }
}
