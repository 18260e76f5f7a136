package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.tensor.BatchStaging;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA staging ring: batches uploaded on the copy stream while earlier batches are still being
 * read by queued work, with no host read in between, arrive intact and in order (a slot is reused
 * only after the work that read it). Exact comparison: copies and integer-valued float sums.
 */
@Tag("gpu")
class CudaStagingGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Test
    void manyBatchesThroughATwoSlotRingArriveIntactWithoutHostReads() {
        int n = 1 << 22, batches = 9;                                   // 16 MiB per batch: copies take a while
        Tensor sums = Scope.unowned(() -> Tensor.zeros(DType.F64, GPU, batches));
        Tensor firsts = Scope.unowned(() -> Tensor.zeros(DType.I64, GPU, batches));
        try (BatchStaging ring = BatchStaging.create(GPU, 2, new DType[] {DType.F32, DType.I64}, new int[][] {{n}, {3}})) {
            for (int b = 0; b < batches; b++) {
                float[] x = new float[n];
                java.util.Arrays.fill(x, b + 1);
                try (Scope step = Scope.open()) {
                    Tensor[] t = ring.upload(x, new long[] {b, b + 1, b + 2});
                    // slow-ish queued work that reads the slot: several passes over it
                    Tensor acc = t[0];
                    for (int k = 0; k < 20; k++) acc = acc.mul(1.0).add(0.0);
                    sums.narrow(0, b, 1).copyFrom(acc.to(DType.F64).sum().reshape(1));
                    firsts.narrow(0, b, 1).copyFrom(t[1].narrow(0, 0, 1));
                    ring.consumed();
                }
            }
            double[] s = sums.toDoubleArray();
            long[] f = firsts.toLongArray();
            for (int b = 0; b < batches; b++) {
                assertEquals((double) n * (b + 1), s[b], 0.0, "batch " + b);
                assertEquals(b, f[b], "batch " + b + " labels");
            }
        } finally {
            sums.storage().release();
            firsts.storage().release();
        }
    }
}
