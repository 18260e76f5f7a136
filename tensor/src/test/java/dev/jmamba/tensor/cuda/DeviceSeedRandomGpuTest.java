package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * random_dev_* (the seed read from device memory): the numbers of random_* with that seed bit for
 * bit (the same kernel body), and in a captured CUDA graph each replay draws with the seed written
 * before it instead of the one present at capture.
 */
@Tag("gpu")
class DeviceSeedRandomGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Test
    void deviceSeedGivesTheNumbersOfTheSeedByValue() {
        Tensor seeds = Tensor.of(new long[] {3, -8_123_456_789L, 42}, 3).to(GPU);
        for (RandomKind kind : RandomKind.values()) {
            for (DType dtype : new DType[] {DType.F32, DType.F64, DType.BF16}) {
                Tensor byValue = Tensor.random(kind, -8_123_456_789L, 0.25, 2, dtype, GPU, 5_003);
                Tensor fromDevice = Tensor.random(kind, seeds, 1, 0.25, 2, dtype, GPU, 5_003);
                assertArrayEquals(byValue.to(DType.F64).toDoubleArray(), fromDevice.to(DType.F64).toDoubleArray(), kind + " " + dtype);
            }
        }
    }

    @Test
    void aReplayedGraphDrawsWithTheSeedWrittenBeforeIt() {
        CudaBackend backend = (CudaBackend) Backends.of(GPU);
        Tensor seeds = Tensor.zeros(DType.I64, GPU, 2);
        Tensor out = Tensor.zeros(DType.F32, GPU, 4096);
        Runnable draw = () -> {
            try (Scope s = Scope.open()) {
                out.copyFrom(Tensor.random(RandomKind.UNIFORM, seeds, 1, 0, 1, DType.F32, GPU, 4096));
            }
        };
        draw.run();                                   // compile the kernels before capturing
        seeds.copyFrom(Tensor.of(new long[] {0, 11}, 2).to(GPU));
        try (CudaGraph graph = CudaGraph.capture(backend.context(), draw)) {
            float[] previous = null;
            for (long seed : new long[] {101, 202, 101}) {
                seeds.copyFrom(Tensor.of(new long[] {0, seed}, 2).to(GPU));
                graph.launch();
                float[] got = out.toFloatArray();
                assertArrayEquals(Tensor.random(RandomKind.UNIFORM, seed, 0, 1, DType.F32, Device.CPU, 4096).toFloatArray(), got,
                        "replay with seed " + seed);
                if (previous != null) assertFalse(Arrays.equals(previous, got), "consecutive replays with new seeds differ");
                previous = got;
            }
        }
    }
}
