package dev.jmamba.tensor;

/** Shape handling around the matmul and convolution primitives. */
final class LinearOps {
    private LinearOps() {}

    static Tensor matmul(Tensor a, Tensor b) {
        Checks.sameDevice("matmul", a, b);
        Checks.sameDType("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new TensorException.Shape("matmul", "operands of rank >= 1", Shapes.str(a.shapeRef()) + " @ " + Shapes.str(b.shapeRef()));
        }
        boolean va = a.rank() == 1, vb = b.rank() == 1;
        Tensor a2 = va ? a.unsqueeze(0) : a;           // (k) -> (1, k)
        Tensor b2 = vb ? b.unsqueeze(1) : b;           // (k) -> (k, 1)
        int ka = a2.shapeRef()[a2.rank() - 1], kb = b2.shapeRef()[b2.rank() - 2];
        if (ka != kb) {
            throw new TensorException.Shape("matmul", "inner dims to match", Shapes.str(a.shapeRef()) + " @ " + Shapes.str(b.shapeRef()));
        }
        Tensor out = a.backend().matmul(a2, b2);
        if (va) out = out.squeeze(out.rank() - 2);
        if (vb) out = out.squeeze(out.rank() - 1);
        return out;
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Checks.rank("conv2d", x, 4);
        Checks.rank("conv2d", w, 4);
        Checks.sameDevice("conv2d", x, w);
        Checks.sameDType("conv2d", x, w);
        int c = x.shapeRef()[1], o = w.shapeRef()[0];
        if (c % p.groups() != 0 || o % p.groups() != 0 || w.shapeRef()[1] * p.groups() != c) {
            throw new TensorException.Shape("conv2d", "weight (O, C/groups, kh, kw) with C = " + c + ", groups = " + p.groups(),
                    Shapes.str(w.shapeRef()));
        }
        if (bias != null && (bias.rank() != 1 || bias.shapeRef()[0] != o)) {
            throw new TensorException.Shape("conv2d", "bias (" + o + ",)", Shapes.str(bias.shapeRef()));
        }
        int oh = ConvParams.outSize(x.shapeRef()[2], w.shapeRef()[2], p.strideH(), p.padH(), p.dilationH());
        int ow = ConvParams.outSize(x.shapeRef()[3], w.shapeRef()[3], p.strideW(), p.padW(), p.dilationW());
        if (oh <= 0 || ow <= 0) {
            throw new TensorException.Shape("conv2d", "an input at least as large as the dilated kernel",
                    "input " + Shapes.str(x.shapeRef()) + " kernel " + Shapes.str(w.shapeRef()));
        }
        return x.backend().conv2d(x, w, bias, p);
    }

    static Tensor conv1d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups) {
        Checks.rank("conv1d", x, 3);
        Checks.rank("conv1d", w, 3);
        ConvParams p = new ConvParams(1, stride, 0, padding, 1, dilation, groups);
        Tensor y = conv2d(x.unsqueeze(2), w.unsqueeze(2), bias, p); // (N, O, 1, L')
        return y.squeeze(2);
    }
}
