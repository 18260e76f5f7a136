/**
 * Checkpoint files in the safetensors format: {@link dev.jmamba.io.SafeTensors} reads (memory-mapped,
 * fully validated) and writes (atomically) named {@link dev.jmamba.io.TensorBlob}s. The on-disk layout
 * and the guarantees are described in {@code autograd/CHECKPOINTS.md}.
 */
package dev.jmamba.io;
