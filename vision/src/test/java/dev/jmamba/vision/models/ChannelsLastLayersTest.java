package dev.jmamba.vision.models;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.BatchNorm2d;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channels-last layers against the library's NCHW reference ops: {@code Tensor.conv2d} and
 * {@code nn.BatchNorm2d}, forward and backward (input and weight gradients), in float64 so that
 * the only differences are summation order (tolerance 1e-10 on values of order 1-10).
 */
class ChannelsLastLayersTest {
    private static final double TOL = 1e-10;

    @Test void conv3x3MatchesConv2dWithPaddingOne() {
        int b = 2, c = 3, o = 5, h = 6, w = 7;
        ChannelsLastConv3x3 conv = new ChannelsLastConv3x3(c, o, 9);
        conv.to(dev.jmamba.tensor.DType.F64);
        Tensor wCl = conv.weight().value();                                       // (9C, O)
        Tensor wTorch = wCl.reshape(3, 3, c, o).permute(3, 2, 0, 1).contiguous(); // (O, C, 3, 3)
        Tensor x = Tensor.randn(4, b, c, h, w).to(dev.jmamba.tensor.DType.F64);   // (B, C, H, W)
        Tensor gy = Tensor.randn(5, b, o, h, w).to(dev.jmamba.tensor.DType.F64);  // (B, O, H, W)

        Var xv = Var.param(x.permute(0, 2, 3, 1).contiguous());                   // (B, H, W, C)
        Var y = conv.forward(xv);                                                  // (B, H, W, O)
        y.backward(gy.permute(0, 2, 3, 1).contiguous());

        Var xr = Var.param(x), wr = Var.param(wTorch);
        Var yr = xr.conv2d(wr, null, ConvParams.of(1, 1, 1, 1));
        yr.backward(gy);

        assertTrue(y.value().permute(0, 3, 1, 2).maxAbsDiff(yr.value()) < TOL, "forward");
        assertTrue(xv.grad().permute(0, 3, 1, 2).maxAbsDiff(xr.grad()) < TOL, "input gradient");
        Tensor gwTorch = conv.weight().grad().reshape(3, 3, c, o).permute(3, 2, 0, 1);
        assertTrue(gwTorch.maxAbsDiff(wr.grad()) < TOL, "weight gradient");
    }

    @Test void batchNormMatchesBatchNorm2dInTrainingAndEval() {
        int b = 3, c = 4, h = 5, w = 2;
        ChannelsLastBatchNorm mine = new ChannelsLastBatchNorm(c);
        BatchNorm2d ref = new BatchNorm2d(c);
        mine.to(dev.jmamba.tensor.DType.F64);
        ref.to(dev.jmamba.tensor.DType.F64);
        Tensor gamma = Tensor.randn(1, c).to(dev.jmamba.tensor.DType.F64), beta = Tensor.randn(2, c).to(dev.jmamba.tensor.DType.F64);
        mine.namedParameters().get("weight").set(gamma);
        mine.namedParameters().get("bias").set(beta);
        ref.weight().set(gamma);
        ref.bias().set(beta);
        Tensor x = Tensor.randn(3, b, c, h, w).mul(3).add(1).to(dev.jmamba.tensor.DType.F64);
        Tensor gy = Tensor.randn(6, b, c, h, w).to(dev.jmamba.tensor.DType.F64);
        for (boolean training : new boolean[] {true, false}) {
            mine.train(training);
            ref.train(training);
            Var xv = Var.param(x.permute(0, 2, 3, 1).contiguous()), xr = Var.param(x);
            Var y = mine.forward(xv), yr = ref.forward(xr);
            y.backward(gy.permute(0, 2, 3, 1).contiguous());
            yr.backward(gy);
            assertTrue(y.value().permute(0, 3, 1, 2).maxAbsDiff(yr.value()) < TOL, "forward, training " + training);
            assertTrue(xv.grad().permute(0, 3, 1, 2).maxAbsDiff(xr.grad()) < TOL, "input gradient, training " + training);
            assertTrue(mine.namedParameters().get("weight").grad().maxAbsDiff(ref.weight().grad()) < TOL, "gamma gradient");
            mine.zeroGrad();
            ref.zeroGrad();
        }
        assertArrayEquals(ref.runningMean().toDoubleArray(), mine.namedBuffers().get("running_mean").toDoubleArray(), TOL);
        assertArrayEquals(ref.runningVar().toDoubleArray(), mine.namedBuffers().get("running_var").toDoubleArray(), TOL);
        assertEquals(1, (long) mine.namedBuffers().get("num_batches_tracked").item());
    }

    @Test void smallConvNetMapsImagesToLogits() {
        SmallConvNet net = new SmallConvNet(1, 28, 4, 10, 1);
        Var logits = net.forward(Var.of(Tensor.randn(2, 3, 1, 28, 28)));
        assertArrayEquals(new int[] {3, 10}, logits.shape());
        // conv 9·1·4 and 9·4·8, BatchNorm weight + bias 2·4 and 2·8, head (7·7·8)·10 + 10
        assertEquals(9 * 4 + 9 * 4 * 8 + 2 * 4 + 2 * 8 + 7 * 7 * 8 * 10 + 10, net.numParameters());
    }
}
