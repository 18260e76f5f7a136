package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link NormCpu#layerNormF32} (float arrays, no per-element dtype dispatch) gives the same bits as the generic
 * {@link NormCpu#layerNormAnyType} on float32 input — output, mean and rstd — with and without weight and bias, for
 * channel counts below, at and above a vector width and rows enough to split across threads.
 */
class LayerNormF32Test {
    @Test
    void sameBitsAsTheGenericLoop() {
        long seed = 7;
        for (int[] shape : new int[][] {{5, 3}, {64, 49, 32}, {3, 7, 130}}) {
            int c = shape[shape.length - 1];
            Tensor x = Tensor.randn(seed++, shape).mul(2).add(0.5), w = Tensor.randn(seed++, c), b = Tensor.randn(seed++, c);
            Tensor view = x.transpose(0, shape.length - 2);                       // a strided input as well
            for (Tensor in : new Tensor[] {x, view}) {
                for (boolean affine : new boolean[] {false, true}) {
                    Tensor[] fast = NormCpu.layerNormF32(in, affine ? w : null, affine ? b : null, 1e-5);
                    Tensor[] ref = NormCpu.layerNormAnyType(in, affine ? w : null, affine ? b : null, 1e-5);
                    for (int k = 0; k < 3; k++) {
                        assertArrayEquals(ref[k].toFloatArray(), fast[k].toFloatArray(),
                                java.util.Arrays.toString(in.shape()) + " affine " + affine + " output " + k);
                    }
                }
            }
        }
    }
}
