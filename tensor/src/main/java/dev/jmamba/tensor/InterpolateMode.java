package dev.jmamba.tensor;

/** Resampling modes of {@link Tensor#interpolate}: PyTorch semantics ({@code align_corners} as given). */
public enum InterpolateMode { NEAREST, BILINEAR, BICUBIC }
