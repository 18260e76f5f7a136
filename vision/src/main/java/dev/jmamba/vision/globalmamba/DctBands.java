package dev.jmamba.vision.globalmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GlobalMamba's cumulative low-pass band images (spec globalmamba.md §2.1), written as products
 * with fixed DCT basis matrices so they are differentiable and run on any device.
 *
 * <p>For an N×N image x (per channel) with the orthonormal DCT-II matrix D (N×N,
 * D[k][n] = α_k cos(π(2n+1)k / 2N)), X = D x Dᵀ and x = Dᵀ X D. Band i ∈ {0, 1, 2} keeps the
 * coefficients of the low-frequency triangle u + v ≤ s_i − 1 with s_i = N / 2^(2−i) (56, 112, 224 at
 * N = 224); band 3 keeps all of them, i.e. it is the image itself. Since the mask is zero outside
 * the top-left s×s block, only D[:s] is needed:
 * <pre>
 *   band_i = D[:s]ᵀ · ((D[:s] · x · D[:s]ᵀ) ⊙ T_s) · D[:s]
 * </pre>
 * The band images do not depend on the DCT normalisation (the released code uses torch_dct with
 * norm=None), because the mask sits between a transform and its exact inverse.
 */
public final class DctBands {
    private DctBands() {}

    /** Number of bands. */
    public static final int BANDS = 4;

    private static final Map<Integer, Tensor> BASIS = new ConcurrentHashMap<>();

    /**
     * The orthonormal DCT-II matrix (N, N) in float64 (callers convert it to the images' dtype, so a float64
     * model gets a float64 transform: a float32-rounded basis limited float64 band images to ~1e-8 relative,
     * found by the GlobalMamba parity test); cached per N, outside any {@link dev.jmamba.tensor.Scope} (a
     * training step's scope would otherwise free the cached matrix).
     */
    public static Tensor basis(int n) {
        return BASIS.computeIfAbsent(n, size -> dev.jmamba.tensor.Scope.unowned(() -> {
            double[] d = new double[size * size];
            for (int k = 0; k < size; k++) {
                double alpha = k == 0 ? Math.sqrt(1.0 / size) : Math.sqrt(2.0 / size);
                for (int i = 0; i < size; i++) d[k * size + i] = alpha * Math.cos(Math.PI * (2 * i + 1) * k / (2.0 * size));
            }
            return Tensor.of(d, size, size);
        }));
    }

    /** Side s_i of the triangle of band i (i = 0, 1, 2) for an N×N image: N / 2^(2−i). */
    public static int triangleSide(int n, int band) { return n >> (2 - band); }

    /** (s, s) mask with ones where u + v ≤ s − 1. */
    static Tensor triangle(int s) {
        float[] m = new float[s * s];
        for (int u = 0; u < s; u++) for (int v = 0; v < s; v++) m[u * s + v] = u + v <= s - 1 ? 1f : 0f;
        return Tensor.wrap(m, s, s);
    }

    /**
     * @param images (B, C, N, N)
     * @return the four band images, each (B, C, N, N), low to high; the last is {@code images}
     */
    public static List<Var> bands(Var images) {
        int[] s = images.shape();
        if (s.length != 4 || s[2] != s[3]) {
            throw new JmambaException("GlobalMamba DCT bands: expected square images (B, C, N, N), got " + java.util.Arrays.toString(s));
        }
        int n = s[2];
        Tensor d = basis(n).to(images.dtype()).to(images.device());              // (N, N), cast on the host
        Var dT = Var.of(d.transpose(0, 1).contiguous());                         // (N, N) = Dᵀ
        // Xᵀ = ((x · Dᵀ)ᵀ · Dᵀ): transposed coefficients; the triangle mask is symmetric.
        Var coeffT = images.matmul(dT).transpose(2, 3).matmul(dT);               // (B, C, N, N), [v][u]
        Var[] out = new Var[BANDS];
        for (int i = 0; i < BANDS - 1; i++) {
            int side = triangleSide(n, i);
            if (side < 1) throw new JmambaException("GlobalMamba DCT bands: image side " + n + " is too small (need >= 4)");
            Var z = coeffT.narrow(2, 0, side).narrow(3, 0, side)
                    .mul(Var.of(triangle(side).to(images.dtype()).to(images.device())));         // (B, C, s, s)
            Var dHead = Var.of(d.narrow(0, 0, side).contiguous());                // (s, N) = D[:s]
            out[i] = z.matmul(dHead).transpose(2, 3).matmul(dHead);               // (B, C, N, N)
        }
        out[BANDS - 1] = images;
        return List.of(out);
    }

    /** FLOPs (multiply-adds) of {@link #bands} for one C×N×N image: the forward transform and three inverses. */
    public static long flops(int channels, int n) {
        long f = 2L * channels * n * n * n;                                       // x·Dᵀ and ·Dᵀ
        for (int i = 0; i < BANDS - 1; i++) {
            long side = triangleSide(n, i);
            f += channels * (side * side * n + side * n * n);
        }
        return f;
    }
}
