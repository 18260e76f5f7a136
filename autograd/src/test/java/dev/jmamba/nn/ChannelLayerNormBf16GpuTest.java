package dev.jmamba.nn;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code layer_norm_channels_bf16} kernels (bf16 x, skip and y; float32 statistics, parameters and gradients)
 * against the float32 kernels on the same values, on the GPU: y rounded once, gradients bit-identical (both compute
 * in double; {@link ChannelLayerNormBf16Test} has the reasoning). Shapes with one and several column tiles and groups.
 */
@Tag("gpu")
class ChannelLayerNormBf16GpuTest {
    @Test void bf16KernelsGiveTheFloat32ResultRounded() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        ChannelLayerNormBf16Test.assertBf16MatchesRoundedFloat32(gpu, 6, 24, 37, 3, 11);
        ChannelLayerNormBf16Test.assertBf16MatchesRoundedFloat32(gpu, 8, 96, 3136, 4, 21);
        ChannelLayerNormBf16Test.assertBf16MatchesRoundedFloat32(gpu, 4, 9, 70, 2, 31);
    }
}
