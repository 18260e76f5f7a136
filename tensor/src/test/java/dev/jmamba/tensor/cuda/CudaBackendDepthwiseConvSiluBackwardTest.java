package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractDepthwiseConvSiluBackwardTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;

/** The depthwise conv + SiLU whole-backward and bf16 suite on CUDA device 0 (the grouped dw3_planes kernels where they fit). */
@Tag("gpu")
class CudaBackendDepthwiseConvSiluBackwardTest extends BackendContractDepthwiseConvSiluBackwardTest {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Override protected Device device() { return Device.cuda(0); }

    /**
     * The one-pass backward's gx is the composition's bits on this backend (dw3_silu_plane's gpre, then dw3_tiled_f32's
     * rotated taps, summed in the same order), for one, four and eight planes per block.
     */
    @Test void groupedInputGradientIsTheCompositionsBits() {
        RandomTensors rnd = new RandomTensors(97);
        for (int[] s : new int[][] {{3, 5, 7, 7}, {2, 4, 28, 28}, {1, 2, 56, 56}}) {
            int n = s[0], c = s[1], h = s[2], w = s[3];
            ConvParams p = ConvParams.of(1, 1, 1, c);
            Tensor x = rnd.uniform(DType.F32, device(), n, c, h, w), wt = rnd.uniform(DType.F32, device(), c, 1, 3, 3);
            Tensor b = rnd.uniform(DType.F32, device(), c), gy = rnd.uniform(DType.F32, device(), n, c, h, w);
            Backend be = x.backend();
            Tensor composed = be.conv2dInputGrad(be.depthwiseConv2dSiluGrad(gy, x, wt, b, p), wt, x.shape(), p);
            Tensor fused = be.depthwiseConv2dSiluBackward(gy, x, wt, b, p, true, true, true)[0];
            assertEquals(0, fused.maxAbsDiff(composed), 0.0, java.util.Arrays.toString(s));
        }
    }
}
