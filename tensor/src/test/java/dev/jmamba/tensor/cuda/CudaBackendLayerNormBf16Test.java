package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractLayerNormBf16Test;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The autocast LayerNorm suite on CUDA device 0: layer_norm_bf16_warp*, layer_norm_bf16_backward* (C > 1024: the composite). */
@Tag("gpu")
class CudaBackendLayerNormBf16Test extends BackendContractLayerNormBf16Test {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Override protected Device device() { return Device.cuda(0); }
}
