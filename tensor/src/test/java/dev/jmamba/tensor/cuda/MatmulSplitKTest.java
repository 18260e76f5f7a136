package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** When {@link MatmulKernels} splits a contraction into chunks (no GPU needed: the choice is arithmetic). */
class MatmulSplitKTest {

    @Test void weightGradientsOfTokenProjectionsAreSplit() {
        // LocalMamba-T's x_proj weight gradient: 4 × (44, 384) over B·L = 128·196 = 25088 = 2^9·7^2 tokens; 12 tiles on
        // 132 SMs: at most ceil(264 / 12) = 22 chunks, the largest divisor of 25088 not above 22 is 16
        assertEquals(16, MatmulKernels.splitChunks(4, 44, 384, 25088, 132));
        // in_proj's (384, 192) over the same tokens: 6 tiles, at most 44 chunks; 44 .. 33 do not divide 25088, 32 does
        assertEquals(32, MatmulKernels.splitChunks(1, 384, 192, 25088, 132));
    }

    @Test void largeOutputsShortContractionsAndPrimesAreNotSplit() {
        assertEquals(1, MatmulKernels.splitChunks(1, 25088, 384, 192, 132));     // a forward projection: many tiles
        assertEquals(1, MatmulKernels.splitChunks(4, 44, 384, 1000, 132));       // k below two chunks of 512
        assertEquals(1, MatmulKernels.splitChunks(4, 44, 384, 25087, 132));      // 25087 = 13·1931: no divisor in 2..22
        assertEquals(1, MatmulKernels.splitChunks(200, 128, 128, 1 << 16, 132)); // enough tiles already
    }

    @Test void theKnobsNarrowTheRule() {
        // FractalMamba-T's fc2 weight gradient (320, 80) over 128·3136 tokens: 3 tiles, 88 chunks wanted, 64 divides k
        assertEquals(64, MatmulKernels.splitChunks(1, 320, 80, 401408, 132, 0, true));
        assertEquals(64, MatmulKernels.splitChunks(1, 320, 80, 401408, 132, 4, true));     // 3 tiles < 4
        assertEquals(1, MatmulKernels.splitChunks(1, 1280, 320, 25088, 132, 16, true));   // 30 tiles, not below 16
        assertEquals(16, MatmulKernels.splitChunks(4, 44, 384, 25088, 132, 0, true));
        assertEquals(1, MatmulKernels.splitChunks(4, 44, 384, 25088, 132, 0, false));      // a batch of 4: not with batched=false
    }

    @Test void chunksStayAtLeastTheMinimumLong() {
        // 3 tiles would want 88 chunks; k = 4096 allows at most 4096 / 512 = 8
        assertEquals(8, MatmulKernels.splitChunks(1, 44, 384, 4096, 132));
    }
}
