package dev.jmamba.io.pth;

import java.util.Arrays;

/**
 * A tensor as a pickle describes it ({@code torch._utils._rebuild_tensor_v2}): a view of
 * {@code storage} starting at element {@code offset} with {@code shape} and {@code stride} (elements).
 * Nothing is read until {@link TorchArchive#load} is asked for it; the view is checked against the
 * storage there.
 */
public record TorchTensor(TorchStorage storage, long offset, long[] shape, long[] stride) {
    public TorchTensor {
        shape = shape.clone();
        stride = stride.clone();
    }

    @Override public long[] shape() { return shape.clone(); }

    @Override public long[] stride() { return stride.clone(); }

    @Override public String toString() {
        return "tensor " + storage.dtype().readAs() + " " + Arrays.toString(shape);
    }
}
