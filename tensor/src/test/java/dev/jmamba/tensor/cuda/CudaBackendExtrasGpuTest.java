package dev.jmamba.tensor.cuda;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CUDA-specific checks beyond the conformance suite: the same random numbers as the CPU, the
 * float4 fast paths at aligned and unaligned offsets and lengths, the cuBLAS paths at sizes past
 * the suite's small ones, chunked convolutions, bf16 storage, and tensor ops replayed from a CUDA
 * graph. References are the CPU backend's results on the same inputs.
 */
@Tag("gpu")
class CudaBackendExtrasGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Test
    void randomNumbersEqualTheCpusForEveryKind() {
        for (RandomKind kind : RandomKind.values()) {
            Tensor cpu = Tensor.random(kind, 99, 0.5, 2, DType.F64, Device.CPU, 10_001);
            Tensor gpu = Tensor.random(kind, 99, 0.5, 2, DType.F64, GPU, 10_001);
            // uniform is exact; normal goes through double log/cos, equal to ~1 ulp
            assertClose(cpu.toDoubleArray(), gpu.toDoubleArray(), kind == RandomKind.UNIFORM ? 0 : 1e-14, 1e-14, kind.toString());
            assertArrayEquals(Tensor.random(kind, 5, 0, 1, DType.F32, Device.CPU, 777).toFloatArray(),
                    Tensor.random(kind, 5, 0, 1, DType.F32, GPU, 777).toFloatArray(), 1e-6f, kind + " F32");
        }
    }

    @Test
    void float4PathsAtEveryAlignmentAndTail() {
        for (int n : new int[] {1, 3, 4, 5, 1023, 4096 + 7}) {
            for (int offset : new int[] {0, 1, 2}) {
                Tensor ca = Tensor.rand(1, n + offset).narrow(0, offset, n), cb = Tensor.rand(2, n + offset).narrow(0, offset, n);
                Tensor ga = ca.to(GPU), gb = cb.to(GPU);
                Tensor gaOff = Tensor.rand(1, n + offset).to(GPU).narrow(0, offset, n);
                // +, -, * of floats in [0, 1) are exact in double, so both sides round once; the CPU's
                // double quotient rounded to float may differ from a float division by 1 ulp (< 2.4e-7)
                for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.MUL, BinaryOp.SUB, BinaryOp.DIV}) {
                    double rtol = op == BinaryOp.DIV ? 2.4e-7 : 0;
                    assertClose(ca.binary(op, cb).toDoubleArray(), ga.binary(op, gb).toDoubleArray(), 0, rtol, op + " n=" + n);
                    assertClose(ca.binary(op, cb).toDoubleArray(), gaOff.binary(op, gb).toDoubleArray(), 0, rtol, op + " offset " + offset);
                }
                Tensor copy = Tensor.zeros(DType.F32, GPU, n + 3).narrow(0, offset, n).copyFrom(gaOff);
                assertArrayEquals(ca.toFloatArray(), copy.toFloatArray(), "copy n=" + n + " offset " + offset);
            }
        }
    }

    @Test
    void twoDimensionalBroadcastsTransposesAndOffsetsMatchTheCpu() {
        // the binary_3d_f32 loops: bias rows, per-row scales, a transposed operand, an offset view, a conv's
        // (1, O, 1) bias on (N, O, HW), a permuted 3-D operand, each op;
        // float arithmetic is correctly rounded like the CPU's double arithmetic rounded to float (same bits),
        // DIV keeps the 1-ulp allowance of the test above
        for (int c = 0; c < 9; c++) {
            Tensor[] cpu = twoDimCase(c, Device.CPU), gpu = twoDimCase(c, GPU);
            for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX, BinaryOp.LT}) {
                double rtol = op == BinaryOp.DIV ? 2.4e-7 : 0;
                assertClose(cpu[0].binary(op, cpu[1]).toDoubleArray(), gpu[0].binary(op, gpu[1]).toDoubleArray(), 0, rtol, op + " case " + c);
            }
        }
    }

    /** Operand pair {@code c} on {@code device}, views taken there: bias rows, row scales, transposes, offsets, 3-D broadcasts. */
    private static Tensor[] twoDimCase(int c, Device device) {
        Tensor x = Tensor.randn(3, 37, 20).to(device), bias = Tensor.randn(4, 20).to(device), scale = Tensor.rand(5, 37, 1).to(device);
        Tensor t = Tensor.randn(6, 20, 37).to(device).transpose(0, 1), wide = Tensor.randn(7, 40, 20).to(device).narrow(0, 3, 37);
        return switch (c) {
            case 0 -> new Tensor[] {x, bias};
            case 1 -> new Tensor[] {x, scale};
            case 2 -> new Tensor[] {scale, x};
            case 3 -> new Tensor[] {x, t};
            case 4 -> new Tensor[] {t, bias};
            case 5 -> new Tensor[] {wide, x};
            case 6 -> new Tensor[] {bias, wide};
            case 7 -> new Tensor[] {Tensor.randn(8, 4, 6, 15).to(device), Tensor.randn(9, 1, 6, 1).to(device)};
            default -> new Tensor[] {Tensor.randn(10, 4, 15, 6).to(device).permute(0, 2, 1), Tensor.randn(11, 4, 6, 15).to(device)};
        };
    }

    @Test
    void unaryOpsOnAChannelsLastViewKeepItsLayout() {
        Tensor nhwc = Tensor.randn(12, 3, 5, 7, 6).to(GPU);
        Tensor view = nhwc.permute(0, 3, 1, 2);                     // (N, C, H, W) stored channels-last
        for (dev.jmamba.tensor.UnaryOp op : new dev.jmamba.tensor.UnaryOp[] {dev.jmamba.tensor.UnaryOp.GELU,
                dev.jmamba.tensor.UnaryOp.SILU, dev.jmamba.tensor.UnaryOp.EXP}) {
            Tensor y = view.backend().unary(op, view, 0, 0);
            assertArrayEquals(view.strides(), y.strides(), op + ": the result keeps the channels-last strides");
            // the same float kernel as on the contiguous tensor, element for element
            assertArrayEquals(nhwc.backend().unary(op, nhwc, 0, 0).permute(0, 3, 1, 2).toFloatArray(), y.toFloatArray(), op.toString());
        }
    }

    @Test
    void largeMatmulsAndBatchedBroadcastMatchTheCpu() {
        Tensor a = Tensor.randn(3, 2, 1, 130, 70), b = Tensor.randn(4, 3, 70, 90);
        // k = 70 products of N(0,1) values in fp32: errors ~ sqrt(k) * 1e-7 * |terms|
        assertClose(a.matmul(b).toDoubleArray(), a.to(GPU).matmul(b.to(GPU)).toDoubleArray(), 2e-4, 1e-4, "batched broadcast");
        Tensor t = Tensor.randn(5, 70, 130).transpose(0, 1);  // (130, 70) stored transposed
        assertClose(t.matmul(b.select(0, 1)).toDoubleArray(), t.to(GPU).matmul(b.select(0, 1).to(GPU)).toDoubleArray(), 2e-4, 1e-4, "transposed view");
    }

    @Test
    void convolutionsWithSeveralChunksMatchTheCpu() {
        ConvParams p = ConvParams.of(2, 1, 1, 2);
        Tensor x = Tensor.randn(7, 5, 4, 15, 13), w = Tensor.randn(8, 6, 2, 3, 3), bias = Tensor.randn(9, 6);
        // rows = 2 * 3 * 3 = 18, OH * OW = 8 * 7 = 56: a limit of 2 images per chunk gives chunks 2, 2, 1
        ConvKernels.colsLimit = 2L * 18 * 56;
        try {
            checkConvolution(x, w, bias, p);
        } finally {
            ConvKernels.colsLimit = ConvKernels.COLS_LIMIT;
        }
        checkConvolution(x, w, bias, p);
    }

    private static void checkConvolution(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Tensor y = x.conv2d(w, bias, p);
        assertClose(y.toDoubleArray(), x.to(GPU).conv2d(w.to(GPU), bias.to(GPU), p).toDoubleArray(), 1e-4, 1e-4, "conv2d");
        Tensor gy = Tensor.randn(10, y.shape());
        assertClose(x.backend().conv2dInputGrad(gy, w, x.shape(), p).toDoubleArray(),
                gy.to(GPU).backend().conv2dInputGrad(gy.to(GPU), w.to(GPU), x.shape(), p).toDoubleArray(), 1e-4, 1e-4, "input grad");
        assertClose(x.backend().conv2dWeightGrad(gy, x, w.shape(), p).toDoubleArray(),
                gy.to(GPU).backend().conv2dWeightGrad(gy.to(GPU), x.to(GPU), w.shape(), p).toDoubleArray(), 1e-3, 1e-4, "weight grad");
    }

    @Test
    void bf16StorageConvertsLikeTheCpu() {
        Tensor x = Tensor.randn(11, 1000).mul(100);
        assertArrayEquals(x.to(DType.BF16).toFloatArray(), x.to(GPU).to(DType.BF16).toFloatArray());
        assertArrayEquals(x.to(DType.BF16).to(GPU).toFloatArray(), x.to(DType.BF16).toFloatArray(), "bf16 travels as bits");
    }

    @Test
    void tensorOpsReplayFromACudaGraph() {
        CudaBackend backend = (CudaBackend) Backends.of(GPU);
        Tensor x = Tensor.full(1, DType.F32, GPU, 256), y = Tensor.full(0.5, DType.F32, GPU, 256);
        Tensor out = Tensor.zeros(DType.F32, GPU, 256);
        x.toFloatArray();  // compile kernels and finish set-up before capturing
        Runnable step = () -> {
            try (Scope s = Scope.open()) {
                Tensor t = x;
                for (int i = 0; i < 10; i++) t = t.add(y).mul(y);
                out.copyFrom(t);
            }
        };
        step.run();
        float[] eager = out.toFloatArray();
        out.fill(0);
        try (CudaGraph graph = CudaGraph.capture(backend.context(), step)) {
            graph.launch();
            assertArrayEquals(eager, out.toFloatArray(), "replay gives the eager result");
            out.fill(0);
            graph.launch();
            graph.launch();
            assertArrayEquals(eager, out.toFloatArray(), "and again after more replays");
        }
        assertEquals(256, out.numel());
    }
}
