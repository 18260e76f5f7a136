// ---- float32 layer norm over the last dim gated by SiLU(z), one warp per row ----------------------------------
//   y = (xhat weight + bias) silu(z),   xhat = (x - mean) rstd over each row of c channels
// The same function as layer_norm_gated in norm.cu, whose block-per-row kernels spend their time in block-wide
// reductions (two per row, with __syncthreads) when rows are a few hundred channels long — FractalMamba's out_norm
// runs it over B·H·W rows of d_inner = 160 .. 1280. Here a warp owns a row: lane l takes channels l, l + 32, ...,
// the row sums are warp shuffles, and the second pass re-reads the row from L1. z's rows are z_row elements apart
// (contiguous channels), so a channel slice of a wider tensor is read in place. Statistics in double (float data:
// sum and sum of squares in one pass, exact enough as in norm_channels.cu); the gate's sigmoid in float (expf), as
// norm.cu's float kernel.
#include "jm_common.cuh"

__device__ __forceinline__ double jm_gated_warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ double jm_gated_sigmoid(float z) { return (double)(1.0f / (1.0f + expf(-z))); }

// Grid-stride over rows, one warp each.
extern "C" __global__ void layer_norm_gated_warp_f32(const float* x, const float* weight, const float* bias, const float* z,
                                                     long long z_row, float* y, float* mean_out, float* rstd_out,
                                                     int rows, int c, double eps) {
    int lane = threadIdx.x & 31;
    long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long row = warp; row < rows; row += warps) {
        const float* r = x + row * c;
        double s = 0, q = 0;
        for (int i = lane; i < c; i += 32) {
            double v = (double)r[i];
            s += v;
            q += v * v;
        }
        s = jm_gated_warp_sum(s);
        q = jm_gated_warp_sum(q);
        double m = s / c, rs = 1.0 / sqrt(fmax(q - s * m, 0.0) / c + eps);
        const float* zr = z + row * z_row;
        float* w = y + row * c;
        for (int i = lane; i < c; i += 32) {
            double o = ((double)r[i] - m) * rs;
            if (weight) o *= (double)weight[i];
            if (bias) o += (double)bias[i];
            float zv = zr[i];
            w[i] = (float)(o * (double)zv * jm_gated_sigmoid(zv));
        }
        if (lane == 0) {
            mean_out[row] = (float)m;
            rstd_out[row] = (float)rs;
        }
    }
}

// Backward, as layer_norm_gated_backward in norm.cu:
//   gx = rstd (g - mean(g) - xhat mean(g xhat)),  g = gy silu(z) weight;   gz = gy (xhat weight + bias) silu'(z)
// Block b takes rows [b · rows_per_block, ...), its warp w rows first + w, first + w + warps, ... When partial is not
// null every warp adds gy silu(z) xhat and gy silu(z) of its rows per channel into its own slice of shared memory
// ([warps][2c] doubles: lanes own channels, so no two threads touch one value), and the block writes the sum of its
// warps' slices, in warp order, to partial[b, 0:2c] for column_sum. gx and gz may be null.
extern "C" __global__ void layer_norm_gated_backward_warp_f32(const float* gy, const float* x, const float* mean,
                                                              const float* rstd, const float* weight, const float* bias,
                                                              const float* z, long long z_row, float* gx, float* gz,
                                                              double* partial, int rows, int c, int rows_per_block) {
    extern __shared__ double acc[];
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, warps = blockDim.x >> 5;
    double* mine = partial ? acc + (long long)wid * 2 * c : 0;
    if (mine)
        for (int i = lane; i < 2 * c; i += 32) mine[i] = 0.0;
    __syncwarp();
    long long first = (long long)blockIdx.x * rows_per_block;
    long long last = first + rows_per_block < rows ? first + rows_per_block : rows;
    for (long long row = first + wid; row < last; row += warps) {
        long long base = row * c, zbase = row * z_row;
        double m = (double)mean[row], r = (double)rstd[row], gsum = 0, dot = 0;
        for (int i = lane; i < c; i += 32) {
            float zv = z[zbase + i];
            double sg = jm_gated_sigmoid(zv), zd = (double)zv;
            double gyv = (double)gy[base + i], xhat = ((double)x[base + i] - m) * r;
            double w = weight ? (double)weight[i] : 1.0;
            if (gz) gz[base + i] = (float)(gyv * (xhat * w + (bias ? (double)bias[i] : 0.0)) * sg * (1.0 + zd * (1.0 - sg)));
            double g = gyv * zd * sg;
            if (mine) {
                mine[i] += g * xhat;
                mine[c + i] += g;
            }
            g *= w;
            gsum += g;
            dot += g * xhat;
        }
        if (gx == 0) continue;
        double mean_g = jm_gated_warp_sum(gsum) / c, mean_gx = jm_gated_warp_sum(dot) / c;
        for (int i = lane; i < c; i += 32) {
            float zv = z[zbase + i];
            double xhat = ((double)x[base + i] - m) * r;
            double g = (double)gy[base + i] * (double)zv * jm_gated_sigmoid(zv);
            if (weight) g *= (double)weight[i];
            gx[base + i] = (float)(r * (g - mean_g - xhat * mean_gx));
        }
    }
    if (partial == 0) return;
    __syncthreads();
    for (int i = threadIdx.x; i < 2 * c; i += blockDim.x) {
        double s = 0;
        for (int k = 0; k < warps; ++k) s += acc[(long long)k * 2 * c + i];
        partial[(long long)blockIdx.x * 2 * c + i] = s;
    }
}
