package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CpuArrayPool}: a released storage's array serves the next storage of its dtype and size, zero-filled
 * when {@link CpuStorage#allocate} asks for zeros; the caller's arrays ({@link CpuStorage#wrap}) and small arrays
 * never come back; tensors of a released storage still refuse to be read.
 */
class CpuArrayPoolTest {
    private static final int N = CpuArrayPool.MIN_ELEMENTS + 3;

    @BeforeEach @AfterEach
    void empty() { CpuArrayPool.clear(); }

    @Test
    void aReleasedArrayServesTheNextStorageOfItsSizeZeroFilled() {
        CpuStorage first = CpuStorage.allocate(DType.F32, N);
        float[] a = (float[]) first.array();
        java.util.Arrays.fill(a, 7f);
        first.release();
        CpuStorage again = CpuStorage.allocate(DType.F32, N);
        assertSame(a, again.array(), "the released array is reused");
        for (float v : (float[]) again.array()) assertEquals(0f, v, "allocate gives zeros");
        again.release();
        CpuStorage other = CpuStorage.allocate(DType.F64, N);              // another dtype: not the float array
        assertNotSame(a, other.array());
        CpuStorage raw = CpuStorage.allocateUninitialized(DType.F32, N);
        assertSame(a, raw.array(), "uninitialized storages take pooled arrays too");
        assertEquals(0, CpuArrayPool.pooledBytes());
    }

    @Test
    void wrappedAndSmallArraysAreNeverPooled() {
        float[] mine = new float[N];
        CpuStorage.wrap(mine).release();
        assertNotSame(mine, CpuStorage.allocate(DType.F32, N).array(), "a wrapped array stays the caller's");
        CpuStorage small = CpuStorage.allocate(DType.F32, CpuArrayPool.MIN_ELEMENTS - 1);
        Object a = small.array();
        small.release();
        assertNotSame(a, CpuStorage.allocate(DType.F32, CpuArrayPool.MIN_ELEMENTS - 1).array());
        assertEquals(0, CpuArrayPool.pooledBytes());
    }

    @Test
    void aTensorOfAReleasedStorageStillRefusesToBeRead() {
        Tensor kept;
        try (Scope s = Scope.open()) {
            kept = Tensor.ones(N);
        }
        Tensor reuse = Tensor.zeros(N);                                       // likely takes kept's array
        assertEquals(0.0, reuse.sum().item());
        assertThrows(TensorException.class, kept::toFloatArray);
    }
}
