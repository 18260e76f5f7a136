package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.util.Arrays;

/**
 * Batched matrix products on the GPU: float32 through cuBLAS (sgemm, or strided-batched sgemm
 * when there is a batch), float64 through the plain {@code gemm_f64} kernel of conv.cu (float64
 * is for tests). Both take row-major dense matrices, optionally transposed, with one element
 * stride between consecutive matrices of a batch ({@link #gemm}); {@link #matmul} turns
 * arbitrary views with broadcast batch dims into that form, copying only when it must.
 *
 * <p>Row-major vs column-major: cuBLAS is column-major, and a row-major (r, c) matrix read as
 * column-major is its transpose. {@link CuBlas#matmul} therefore asks cuBLAS for
 * {@code Cᵀ = Bᵀ·Aᵀ} (operands swapped, m and n swapped), which lands C in row-major order with
 * no copy; the transposed flags we pass describe how A and B are stored, not the swap.
 */
final class MatmulKernels extends Launcher {
    static final String SOURCE = "conv.cu";

    private final StridedKernels strided;
    // (batch, m, n, k, a, a_bs, a_rs, a_cs, b, b_bs, b_rs, b_cs, c, c_bs, beta)
    private final KernelArgs gemmArgs = new KernelArgs(4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8);

    private final SplitKTuner tuner;

    MatmulKernels(CudaContext context, StridedKernels strided) {
        super(context, SOURCE);
        this.strided = strided;
        this.tuner = new SplitKTuner(context);
    }

    /** The split-K tuner of this device (tests read its choices). */
    SplitKTuner tuner() { return tuner; }

    /**
     * {@code batch} products {@code C_t (m, n) = op(A_t) · op(B_t) + beta · C_t}, all row-major and
     * dense: A_t is stored (m, k), or (k, m) when {@code transposeA}; B_t (k, n), or (n, k) when
     * {@code transposeB}; matrix t starts {@code t · stride} elements after the address (stride 0
     * shares one matrix). Addresses are device pointers; m, n, k > 0.
     */
    synchronized void gemm(DType dtype, boolean transposeA, boolean transposeB, int m, int n, int k,
                           long a, long strideA, long b, long strideB, double beta, long c, long strideC, int batch) {
        gemm(dtype, transposeA, transposeB, m, n, k, a, strideA, b, strideB, beta, c, strideC, batch, false);
    }

    /** As above; {@code bf16Result} (bf16 operands only): C is bf16, the float32 accumulator rounded once. */
    synchronized void gemm(DType dtype, boolean transposeA, boolean transposeB, int m, int n, int k,
                           long a, long strideA, long b, long strideB, double beta, long c, long strideC, int batch, boolean bf16Result) {
        if (dtype == DType.BF16) {   // bf16 operands, float32 (or rounded bf16) result, float32 accumulation (tensor cores)
            CuBlas blas = context.cublas();
            if (batch == 1) blas.matmulBf16(transposeA, transposeB, m, n, k, a, b, (float) beta, c, bf16Result);
            else blas.matmulBf16Batched(transposeA, transposeB, m, n, k, a, strideA, b, strideB, (float) beta, c, strideC, batch, bf16Result);
            return;
        }
        if (dtype == DType.F32) {
            CuBlas blas = context.cublas();
            if (batch == 1) blas.matmul(transposeA, transposeB, m, n, k, 1f, a, b, (float) beta, c);
            else blas.matmulBatched(transposeA, transposeB, m, n, k, 1f, a, strideA, b, strideB, (float) beta, c, strideC, batch);
            return;
        }
        if (dtype != DType.F64) throw new TensorException.DType("matmul", "F32, F64 or BF16 operands", dtype.toString());
        // element (i, p) of op(A) and (p, j) of op(B) in the stored dense layouts
        long aRow = transposeA ? 1 : k, aCol = transposeA ? m : 1;
        long bRow = transposeB ? 1 : n, bCol = transposeB ? k : 1;
        gemmArgs.setInt(0, batch).setInt(1, m).setInt(2, n).setInt(3, k)
                .setLong(4, a).setLong(5, strideA).setLong(6, aRow).setLong(7, aCol)
                .setLong(8, b).setLong(9, strideB).setLong(10, bRow).setLong(11, bCol)
                .setLong(12, c).setLong(13, strideC);
        setDouble(gemmArgs, 14, beta);
        launch("gemm_f64", (long) batch * m * n, gemmArgs);
    }

    /** How a (rows, cols) matrix view is stored: densely row-major, or densely as its transpose; null if neither. */
    private static Boolean transposed(int rows, int cols, int rowStride, int colStride) {
        if ((cols == 1 || colStride == 1) && (rows == 1 || rowStride == cols)) return false;
        if ((rows == 1 || rowStride == 1) && (cols == 1 || colStride == rows)) return true;
        return null;
    }

    /** One element stride between the matrices of t's batch dims, or -1 when they are not evenly spaced. */
    private static long batchStride(Tensor t, int batchRank) {
        int[] shape = Arrays.copyOf(t.shape(), batchRank), strides = Arrays.copyOf(t.strides(), batchRank);
        if (Shapes.numel(shape) <= 1) return 0;
        StridedLayout p = StridedLayout.plan("matmul", shape, new int[][] {strides}, new int[] {0});
        return p.shape.length == 1 ? p.strides[0][0] : -1;
    }

    /**
     * {@code jmamba.cuda.splitK=on}: float32 products with few output tiles and a long contraction (the weight
     * gradients of projections over all tokens, e.g. (K, 44, B·L) @ (K, B·L, 384)) are computed as
     * {@link #splitChunks} products over equal ranges of k — extra batch entries, so the GPU has enough blocks — and
     * summed in chunk order. Tests switch the field.
     */
    static volatile boolean splitK = "on".equals(System.getProperty("jmamba.cuda.splitK"));
    /**
     * {@code jmamba.cuda.splitK=auto} (the default; {@code on} and {@code off} turn it off): the unbatched products that
     * {@link #splitChunks} would split run in the chunk count {@link SplitKTuner} measured for their shape on this device
     * (often 1). Tests switch the field.
     */
    static volatile boolean splitTuned = "auto".equals(System.getProperty("jmamba.cuda.splitK", "auto"));
    /** Shortest k range of one chunk. */
    static final int SPLIT_MIN_CHUNK = 512;
    /**
     * {@code jmamba.cuda.splitK.maxTiles}: split only products with fewer output tiles than this (0, the default: the
     * multiprocessor count); {@code jmamba.cuda.splitK.batched=false}: never split a product with a batch (each
     * batch entry is its own cuBLAS call). Both only matter with splitK on; tuning knobs while the rule is measured.
     */
    static final int SPLIT_MAX_TILES = Integer.getInteger("jmamba.cuda.splitK.maxTiles", 0);
    static final boolean SPLIT_BATCHED = !"false".equals(System.getProperty("jmamba.cuda.splitK.batched"));

    /**
     * Into how many equal k ranges to split {@code batches} (m, n) products over k: 1 (no split) when the products
     * already give about one 128 × 128 output tile per multiprocessor or k is short; else the largest divisor of k,
     * at most enough chunks for two tiles per multiprocessor and at least {@link #SPLIT_MIN_CHUNK} long
     * (1 when there is none above 1).
     */
    static int splitChunks(int batches, int m, int n, int k, int multiprocessors) {
        return splitChunks(batches, m, n, k, multiprocessors, SPLIT_MAX_TILES, SPLIT_BATCHED);
    }

    /** As above with the two knobs: split only below {@code maxTiles} output tiles (0: the multiprocessor count), and batches only if {@code batched}. */
    static int splitChunks(int batches, int m, int n, int k, int multiprocessors, int maxTiles, boolean batched) {
        long tiles = (long) batches * ((m + 127) / 128) * ((n + 127) / 128);
        if (tiles >= (maxTiles > 0 ? maxTiles : multiprocessors) || k < 2 * SPLIT_MIN_CHUNK || (batches > 1 && !batched)) return 1;
        long want = Math.min(k / SPLIT_MIN_CHUNK, (2L * multiprocessors + tiles - 1) / tiles);
        for (int s = (int) want; s >= 2; s--) if (k % s == 0) return s;
        return 1;
    }

    /**
     * The products of {@link #matmul}'s general path as {@code chunks} products over equal k ranges each (one
     * strided-batched GEMM over the chunks per batch entry, the operands read where they lie: a range of k is a
     * range of rows or, with a longer row length, of columns of the stored matrix), summed over the chunks.
     *
     * @return (batches, m, n)
     */
    private Tensor splitContraction(Operand oa, Operand ob, int m, int n, int k, int batches, int chunks) {
        int kc = k / chunks;
        Tensor parts = strided.empty(DType.F32, batches, chunks, m, n);                 // every element written
        long aChunk = oa.transposed ? (long) kc * m : kc, bChunk = ob.transposed ? kc : (long) kc * n;   // elements
        int lda = oa.transposed ? m : k, ldb = ob.transposed ? k : n;
        CuBlas blas = context.cublas();
        for (int t = 0; t < batches; t++) {
            blas.matmulBatched(oa.transposed, ob.transposed, m, n, kc, lda, ldb, 1f,
                    address(oa.t) + 4L * t * oa.stride, aChunk, address(ob.t) + 4L * t * ob.stride, bChunk,
                    0f, address(parts) + 4L * t * chunks * m * n, (long) m * n, chunks);
        }
        return parts.sum(false, 1);
    }

    /** A dense form of one operand: the tensor, whether it is stored transposed, and its batch stride. */
    private record Operand(Tensor t, boolean transposed, long stride) {}

    private Operand operand(Tensor x, int batchRank) {
        int r = x.rank();
        Boolean tr = transposed(x.size(-2), x.size(-1), x.strides()[r - 2], x.strides()[r - 1]);
        long stride = batchStride(x, batchRank);
        if (tr == null || stride < 0) {
            x = copyOf(x);  // dense row-major matrices, evenly spaced
            tr = false;
            stride = batchStride(x, batchRank);
        }
        return new Operand(x, tr, stride);
    }

    /** A fresh contiguous copy (an expanded view's contiguous copy materialises every matrix). */
    private Tensor copyOf(Tensor x) {
        Tensor out = strided.empty(x.dtype(), x.shape());
        strided.copy(x, out);
        return out;
    }

    /**
     * (..., m, k) @ (..., k, n) -> (..., m, n) with broadcast batch dims; same dtype, F32 or F64 (result
     * of that dtype) or BF16 (float32 result: the autocast GEMM).
     */
    Tensor matmul(Tensor a, Tensor b) { return matmul(a, b, false); }

    /** As {@link #matmul(Tensor, Tensor)}; {@code bf16Result} (BF16 operands): the product rounded once to bf16. */
    Tensor matmul(Tensor a, Tensor b, boolean bf16Result) { return matmul(a, b, bf16Result, 0); }

    /**
     * As {@link #matmul(Tensor, Tensor, boolean)} with the contraction split into {@code chunks} equal k ranges on the
     * general path (0: the split-K rule decides; a float32 product whose k {@code chunks} does not divide runs whole).
     * For the split sweep and tests; a (.., m, k) operand with a (k, n) weight takes the one-GEMM path unsplit.
     */
    Tensor matmul(Tensor a, Tensor b, boolean bf16Result, int chunks) {
        if (a.dtype() != DType.F32 && a.dtype() != DType.F64 && a.dtype() != DType.BF16) {
            throw new TensorException.DType("matmul", "F32, F64 or BF16 operands", a.dtype().toString());
        }
        if (bf16Result && (a.dtype() != DType.BF16 || b.dtype() != DType.BF16)) {
            throw new TensorException.DType("matmul", "BF16 operands for a bf16 result", a.dtype() + " and " + b.dtype());
        }
        DType result = bf16Result ? DType.BF16 : a.dtype().computeType();
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        int[] batch = Shapes.broadcast("matmul", Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int br = batch.length;
        int[] outShape = Arrays.copyOf(batch, br + 2), ea = Arrays.copyOf(batch, br + 2), eb = Arrays.copyOf(batch, br + 2);
        outShape[br] = m; outShape[br + 1] = n;
        ea[br] = m; ea[br + 1] = k;
        eb[br] = k; eb[br + 1] = n;
        int batches = Shapes.numel(batch);
        if (Shapes.numel(outShape) == 0) return strided.empty(result, outShape);
        if (k == 0) return strided.zeros(result, outShape);
        if (batches > 1 && Shapes.numel(Arrays.copyOf(b.shape(), Math.max(0, b.rank() - 2))) == 1 && a.rank() > 2
                && a.isContiguous() && Shapes.numel(Arrays.copyOf(a.shape(), a.rank() - 2)) == batches) {
            // a (..., m, k) contiguous @ one (k, n) matrix: one GEMM over the (batches·m, k) rows (a Linear on
            // (B, H, W, C) would otherwise be B·H small GEMMs of W rows)
            Operand ob = operand(b.rank() > 2 ? b.reshape(k, n) : b, 0);
            Tensor out = strided.empty(result, outShape);
            gemm(a.dtype(), false, ob.transposed, batches * m, n, k, address(a), 0, address(ob.t), 0, 0, address(out), 0, 1, bf16Result);
            return out;
        }
        Operand oa = operand(a.expand(ea), br), ob = operand(b.expand(eb), br);
        if (a.dtype() != DType.F32 || chunks < 0 || (chunks > 0 && k % chunks != 0)) chunks = 1;
        else if (chunks == 0 && splitK) chunks = splitChunks(batches, m, n, k, context.multiprocessors());
        else if (chunks == 0 && splitTuned && batches == 1 && splitChunks(1, m, n, k, context.multiprocessors(), 0, false) > 1) {
            // a weight gradient over all tokens: the chunk count measured for this shape (products run whole meanwhile)
            Tensor at = a, bt = b;
            chunks = tuner.chunks(m, n, k, oa.transposed, ob.transposed, c -> matmul(at, bt, false, c));
        } else if (chunks == 0) chunks = 1;
        if (chunks > 1) return splitContraction(oa, ob, m, n, k, batches, chunks).reshape(outShape);
        Tensor out = strided.empty(result, outShape);
        gemm(a.dtype(), oa.transposed, ob.transposed, m, n, k, address(oa.t), oa.stride, address(ob.t), ob.stride,
                0, address(out), (long) m * n, batches, bf16Result);
        return out;
    }
}
