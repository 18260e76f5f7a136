package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * {@link Tensor#toPreservingLayout} and {@link Tensor#addPreservingLayout}: a dense view stored in another dim
 * order keeps its strides (one coalesced pass over the storage, as the autocast matmul operands and summed
 * gradients need), anything else becomes contiguous; the values always equal {@link Tensor#to(DType)}'s and
 * {@link Tensor#add}'s.
 */
class PreservingLayoutCastTest {

    private static void assertSameValues(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 0f);
    }

    @Test void aTransposedMatrixStaysTransposed() {
        Tensor t = Tensor.randn(1, 5, 7).transpose(0, 1);          // (7, 5), strides (1, 7)
        Tensor b = t.toPreservingLayout(DType.BF16);
        assertEquals(DType.BF16, b.dtype());
        assertArrayEquals(new int[] {1, 7}, b.strides());
        assertSameValues(t.to(DType.BF16), b);
    }

    @Test void aPermutedBatchKeepsItsDimOrderAndSize1DimsDoNotMatter() {
        Tensor t = Tensor.randn(2, 2, 3, 1, 4, 6).permute(0, 3, 2, 4, 1);   // (3, 4, 1, 6, 2)
        Tensor b = t.toPreservingLayout(DType.BF16);
        int[] ts = t.strides(), bs = b.strides();
        for (int d = 0; d < t.rank(); d++) if (t.size(d) != 1) assertEquals(ts[d], bs[d], "stride of dim " + d);
        assertSameValues(t.to(DType.BF16), b);
        Tensor back = b.toPreservingLayout(DType.F32);                    // and back, still in t's layout
        assertArrayEquals(bs, back.strides());
        assertSameValues(t.to(DType.BF16).to(DType.F32), back);
    }

    @Test void slicedAndBroadcastViewsBecomeContiguous() {
        Tensor sliced = Tensor.randn(3, 3, 6, 8).narrow(1, 1, 4).transpose(1, 2);
        Tensor expanded = Tensor.randn(4, 4, 1, 5).expand(4, 3, 5);
        for (Tensor t : new Tensor[] {sliced, expanded}) {
            Tensor b = t.toPreservingLayout(DType.BF16);
            assertTrue(b.isContiguous(), "contiguous copy of " + t);
            assertSameValues(t.to(DType.BF16), b);
        }
    }

    @Test void contiguousAndSameDtypeTensorsBehaveLikeTo() {
        Tensor t = Tensor.randn(5, 3, 2, 4);
        assertSame(t, t.toPreservingLayout(DType.F32));
        Tensor b = t.toPreservingLayout(DType.BF16);
        assertTrue(b.isContiguous());
        assertSameValues(t.to(DType.BF16), b);
    }

    @Test void denseOrderFindsTheStorageOrderOrNone() {
        assertArrayEquals(new int[] {1, 0}, Views.denseOrder(Tensor.randn(1, 5, 7).transpose(0, 1)));
        assertNull(Views.denseOrder(Tensor.randn(1, 6, 8).narrow(1, 0, 3)));
        assertNull(Views.denseOrder(Tensor.randn(1, 4, 1).expand(4, 3)));
    }

    @Test void sumsOfTwoTensorsInTheSameLayoutKeepIt() {
        Tensor a = Tensor.randn(6, 2, 3, 4).permute(1, 0, 2), b = Tensor.randn(7, 2, 3, 4).permute(1, 0, 2);   // (3, 2, 4)
        Tensor s = a.addPreservingLayout(b);
        assertArrayEquals(a.strides(), s.strides());
        assertSameValues(a.add(b), s);
        Tensor c = Tensor.randn(8, 3, 2, 4);                          // same shape, row-major: the plain sum
        Tensor mixed = a.addPreservingLayout(c);
        assertTrue(mixed.isContiguous());
        assertSameValues(a.add(c), mixed);
        Tensor sliced = Tensor.randn(9, 3, 2, 6).narrow(2, 1, 4);    // not dense: the plain sum
        assertSameValues(sliced.add(sliced), sliced.addPreservingLayout(sliced));
    }
}
