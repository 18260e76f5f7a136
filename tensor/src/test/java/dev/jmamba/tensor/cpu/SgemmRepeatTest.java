package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The same float32 product, repeated with 2 threads, gives the same bits every time. A blocked
 * driver merged on 2026-12-03 returned wrong values (errors ~20) in about 1 call in 8 for a batched
 * product with a transposed-stored A — (4, 197, 96)ᵀ · (96, 38)ᵀ, LocalMamba's x_proj shape — and was
 * reverted; this test saw 2 of 300 calls differ on that driver (a standalone run of the same product: 39–41
 * of 300), so it catches such a regression often but not always.
 */
class SgemmRepeatTest {

    @Test
    void repeatedTransposedProductsAreIdentical() {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            Tensor x = Tensor.random(RandomKind.NORMAL, 1, 0, 1, DType.F32, Device.CPU, 4, 96, 197).transpose(1, 2);
            Tensor w = Tensor.random(RandomKind.NORMAL, 3, 0, 1, DType.F32, Device.CPU, 38, 96).transpose(0, 1);
            float[] first = x.matmul(w).toFloatArray();
            for (int rep = 0; rep < 300; rep++) assertArrayEquals(first, x.matmul(w).toFloatArray(), "call " + rep);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
