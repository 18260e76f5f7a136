/**
 * Tensors: shape, strides, dtype, device and storage; the Backend interface with the CPU backend (plain loops plus Vector API SIMD) and the CUDA backend reached through FFM.
 */
package dev.jmamba.tensor;
