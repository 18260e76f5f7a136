package dev.jmamba.tensor;

/** Argument checks shared by ops; each throws a {@link TensorException} naming the op. */
public final class Checks {
    private Checks() {}

    public static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) {
            throw new TensorException.Device(op, "tensors on one device", a.device() + " and " + b.device());
        }
    }

    public static Tensor rank(String op, Tensor t, int rank) {
        if (t.rank() != rank) throw new TensorException.Shape(op, rank + "-D input", Shapes.str(t.shapeRef()));
        return t;
    }

    public static void floating(String op, Tensor t) {
        if (!t.dtype().isFloating()) throw new TensorException.DType(op, "a floating-point tensor", t.dtype().toString());
    }

    public static void index(String op, Tensor t) {
        if (t.dtype() != DType.I32 && t.dtype() != DType.I64) {
            throw new TensorException.DType(op, "an I32 or I64 index tensor", t.dtype().toString());
        }
    }

    public static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new TensorException.DType(op, "equal dtypes", a.dtype() + " and " + b.dtype());
    }

    /**
     * Operands of a fused in-place optimizer update ({@link Backend#adamwUpdate},
     * {@link Backend#sgdUpdate}): {@code param} and every operand non-null, alive, contiguous, on
     * param's device, of param's dtype (F32 or F64) and shape. {@code names[i]} names operand i.
     */
    public static void updateOperands(String op, Tensor param, String[] names, Tensor... operands) {
        if (param == null) throw new TensorException(op, "a param tensor", "null");
        checkUpdateOperand(op, "param", param);
        if (param.dtype() != DType.F32 && param.dtype() != DType.F64) {
            throw new TensorException.DType(op, "param of dtype F32 or F64", param.dtype().toString());
        }
        for (int i = 0; i < operands.length; i++) {
            Tensor t = operands[i];
            String name = names[i];
            if (t == null) throw new TensorException(op, "a " + name + " tensor", "null");
            checkUpdateOperand(op, name, t);
            if (!t.device().equals(param.device())) {
                throw new TensorException.Device(op, name + " on param's device " + param.device(), name + " on " + t.device());
            }
            if (t.dtype() != param.dtype()) throw new TensorException.DType(op, name + " of param's dtype " + param.dtype(), t.dtype().toString());
            if (!java.util.Arrays.equals(t.shapeRef(), param.shapeRef())) {
                throw new TensorException.Shape(op, name + " of param's shape " + Shapes.str(param.shapeRef()), Shapes.str(t.shapeRef()));
            }
        }
    }

    /**
     * Operands of {@link Backend#addRmsNorm}: x (..., C) at least 1-D and floating, residual
     * (x's shape, floating) or null, weight (C) or null, all on x's device. Returns the compute
     * dtype: F64 when x or residual is F64, else F32.
     */
    public static DType addRmsNorm(Tensor x, Tensor residual, Tensor weight) {
        String op = "addRmsNorm";
        if (x.rank() < 1) throw new TensorException.Shape(op, "x of at least 1 dim (..., C)", Shapes.str(x.shapeRef()));
        floating(op, x);
        int c = x.size(-1);
        if (residual != null) {
            sameDevice(op, x, residual);
            floating(op, residual);
            if (!Shapes.same(residual.shapeRef(), x.shapeRef())) {
                throw new TensorException.Shape(op, "residual of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(residual.shapeRef()));
            }
        }
        channelVector(op, "weight", weight, x, c);
        return x.dtype() == DType.F64 || (residual != null && residual.dtype() == DType.F64) ? DType.F64 : DType.F32;
    }

    /**
     * Operands of {@link Backend#addRmsNormBackward}: sum (..., C) F32 or F64; gy and gSum (or
     * null) of sum's shape; rstd of shape sum.shape[:-1]; weight (C) or null; all on sum's device.
     */
    public static void addRmsNormBackward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight) {
        String op = "addRmsNormBackward";
        if (sum.rank() < 1) throw new TensorException.Shape(op, "sum of at least 1 dim (..., C)", Shapes.str(sum.shapeRef()));
        if (sum.dtype() != DType.F32 && sum.dtype() != DType.F64) {
            throw new TensorException.DType(op, "sum of dtype F32 or F64 (as the forward returns it)", sum.dtype().toString());
        }
        if (gy == null) throw new TensorException(op, "a gy tensor", "null");
        for (Tensor g : new Tensor[] {gy, gSum}) {
            if (g == null) continue;
            sameDevice(op, sum, g);
            floating(op, g);
            if (!Shapes.same(g.shapeRef(), sum.shapeRef())) {
                throw new TensorException.Shape(op, (g == gy ? "gy" : "gSum") + " of sum's shape " + Shapes.str(sum.shapeRef()),
                        Shapes.str(g.shapeRef()));
            }
        }
        int[] rows = java.util.Arrays.copyOf(sum.shapeRef(), sum.rank() - 1);
        sameDevice(op, sum, rstd);
        if (!Shapes.same(rstd.shapeRef(), rows)) {
            throw new TensorException.Shape(op, "rstd of shape " + Shapes.str(rows) + " (sum.shape[:-1])", Shapes.str(rstd.shapeRef()));
        }
        channelVector(op, "weight", weight, sum, sum.size(-1));
    }

    /**
     * Operands of {@link Backend#layerNormBackward}: x (..., C) F32 or F64; gy of x's shape; mean
     * and rstd of shape x.shape[:-1]; weight (C) or null; all on x's device.
     */
    public static void layerNormBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight) {
        String op = "layerNormBackward";
        if (x.rank() < 1) throw new TensorException.Shape(op, "x of at least 1 dim (..., C)", Shapes.str(x.shapeRef()));
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64) throw new TensorException.DType(op, "x of dtype F32 or F64", x.dtype().toString());
        rowNormGradients(op, gy, x, mean, rstd, weight);
    }

    /** gy of x's shape, mean and rstd of shape x.shape[:-1], weight (C) or null, all on x's device. */
    private static void rowNormGradients(String op, Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight) {
        if (gy == null) throw new TensorException(op, "a gy tensor", "null");
        sameDevice(op, x, gy);
        floating(op, gy);
        if (!Shapes.same(gy.shapeRef(), x.shapeRef())) {
            throw new TensorException.Shape(op, "gy of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(gy.shapeRef()));
        }
        int[] rows = java.util.Arrays.copyOf(x.shapeRef(), x.rank() - 1);
        for (Tensor stat : new Tensor[] {mean, rstd}) {
            sameDevice(op, x, stat);
            if (!Shapes.same(stat.shapeRef(), rows)) {
                throw new TensorException.Shape(op, (stat == mean ? "mean" : "rstd") + " of shape " + Shapes.str(rows) + " (x.shape[:-1])",
                        Shapes.str(stat.shapeRef()));
            }
        }
        channelVector(op, "weight", weight, x, x.size(-1));
    }

    /** Operands of {@link Backend#residualAdd}: x, y (B, ...) F32 of one shape, bias (C) F32 or null, scale (B) F32 or null, one device. */
    public static void residualAdd(Tensor x, Tensor y, Tensor bias, Tensor scale) {
        String op = "residualAdd";
        if (x.rank() < 1) throw new TensorException.Shape(op, "x of at least 1 dim (B, ..., C)", Shapes.str(x.shapeRef()));
        if (!Shapes.same(x.shapeRef(), y.shapeRef())) throw new TensorException.Shape(op, "y of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(y.shapeRef()));
        for (Tensor t : new Tensor[] {x, y, bias, scale}) {
            if (t == null) continue;
            sameDevice(op, x, t);
            if (t.dtype() != DType.F32) throw new TensorException.DType(op, "F32 operands", t.dtype().toString());
        }
        channelVector(op, "bias", bias, x, x.size(-1));
        channelVector(op, "scale", scale, x, x.size(0));
    }

    /** Operands of {@link Backend#layerNormBf16}: x (..., C) F32 or BF16 of at least 1 dim; weight and bias (C) or null. */
    public static void layerNormBf16(Tensor x, Tensor weight, Tensor bias) {
        String op = "layerNormBf16";
        if (x.rank() < 1) throw new TensorException.Shape(op, "x of at least 1 dim (..., C)", Shapes.str(x.shapeRef()));
        if (x.dtype() != DType.F32 && x.dtype() != DType.BF16) throw new TensorException.DType(op, "x of dtype F32 or BF16", x.dtype().toString());
        channelVector(op, "weight", weight, x, x.size(-1));
        channelVector(op, "bias", bias, x, x.size(-1));
    }

    /** Operands of {@link Backend#layerNormAffineBf16}: xhat (..., C) BF16 of at least 1 dim; weight and bias (C) or null. */
    public static void layerNormAffineBf16(Tensor xhat, Tensor weight, Tensor bias) {
        String op = "layerNormAffineBf16";
        if (xhat.rank() < 1) throw new TensorException.Shape(op, "xhat of at least 1 dim (..., C)", Shapes.str(xhat.shapeRef()));
        if (xhat.dtype() != DType.BF16) throw new TensorException.DType(op, "xhat of dtype BF16", xhat.dtype().toString());
        channelVector(op, "weight", weight, xhat, xhat.size(-1));
        channelVector(op, "bias", bias, xhat, xhat.size(-1));
    }

    /** Operands of {@link Backend#layerNormBf16Backward}: gy (..., C) floating, xhat of gy's shape in BF16, rstd (..., ) F32. */
    public static void layerNormBf16Backward(Tensor gy, Tensor xhat, Tensor rstd, Tensor weight) {
        String op = "layerNormBf16Backward";
        if (xhat.rank() < 1) throw new TensorException.Shape(op, "xhat of at least 1 dim (..., C)", Shapes.str(xhat.shapeRef()));
        if (xhat.dtype() != DType.BF16) throw new TensorException.DType(op, "xhat of dtype BF16", xhat.dtype().toString());
        if (gy == null) throw new TensorException(op, "a gy tensor", "null");
        sameDevice(op, xhat, gy);
        floating(op, gy);
        if (!Shapes.same(gy.shapeRef(), xhat.shapeRef())) {
            throw new TensorException.Shape(op, "gy of xhat's shape " + Shapes.str(xhat.shapeRef()), Shapes.str(gy.shapeRef()));
        }
        sameDevice(op, xhat, rstd);
        int[] rows = java.util.Arrays.copyOf(xhat.shapeRef(), xhat.rank() - 1);
        if (!Shapes.same(rstd.shapeRef(), rows) || rstd.dtype() != DType.F32) {
            throw new TensorException.Shape(op, "rstd F32 of shape " + Shapes.str(rows) + " (xhat.shape[:-1])",
                    rstd.dtype() + " " + Shapes.str(rstd.shapeRef()));
        }
        channelVector(op, "weight", weight, xhat, xhat.size(-1));
    }

    /**
     * Operands of {@link Backend#layerNormChannels}: x (N, C, M) F32 or F64; weight and bias (C) or null; scale
     * (N, M) or null; all on x's device.
     */
    public static void layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale) {
        String op = "layerNormChannels";
        if (x == null || x.rank() != 3) throw new TensorException.Shape(op, "x of shape (N, C, M)", x == null ? "null" : Shapes.str(x.shapeRef()));
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64 && x.dtype() != DType.BF16) {
            throw new TensorException.DType(op, "x of dtype F32, F64 or BF16", x.dtype().toString());
        }
        channelVector(op, "weight", weight, x, x.size(1));
        channelVector(op, "bias", bias, x, x.size(1));
        if (scale != null) {
            sameDevice(op, x, scale);
            floating(op, scale);
            if (scale.rank() != 2 || scale.size(0) != x.size(0) || scale.size(1) != x.size(2)) {
                throw new TensorException.Shape(op, "scale of shape (" + x.size(0) + ", " + x.size(2) + ") (N, M)", Shapes.str(scale.shapeRef()));
            }
        }
    }

    /**
     * Operands of the skip form of {@link Backend#layerNormChannels}: as {@link #layerNormChannels(Tensor, Tensor, Tensor, Tensor)},
     * and skip (N, C, M) with skipWeight (G, C), G dividing N, both given or both null, on x's device.
     */
    public static void layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight) {
        String op = "layerNormChannels";
        layerNormChannels(x, weight, bias, scale);
        if (skip == null && skipWeight == null) return;
        if (skip == null || skipWeight == null) throw new TensorException(op, "skip and skipWeight both given or both null",
                skip == null ? "skipWeight without skip" : "skip without skipWeight");
        sameDevice(op, x, skip);
        sameDevice(op, x, skipWeight);
        floating(op, skip);
        floating(op, skipWeight);
        if (!Shapes.same(skip.shapeRef(), x.shapeRef())) {
            throw new TensorException.Shape(op, "skip of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(skip.shapeRef()));
        }
        if (skipWeight.rank() != 2 || skipWeight.size(1) != x.size(1) || skipWeight.size(0) < 1 || x.size(0) % skipWeight.size(0) != 0) {
            throw new TensorException.Shape(op, "skipWeight of shape (G, " + x.size(1) + ") with G dividing N = " + x.size(0),
                    Shapes.str(skipWeight.shapeRef()));
        }
    }

    /** Operands of {@link Backend#layerNormChannelsBackward}: as {@link #layerNormChannels}, gy of x's shape, mean and rstd (N, M). */
    public static void layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale) {
        layerNormChannelsBackward(gy, x, mean, rstd, weight, bias, scale, null, null);
    }

    /** Operands of the skip form of {@link Backend#layerNormChannelsBackward}: as the forward's, gy of x's shape, mean and rstd (N, M). */
    public static void layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale,
                                                 Tensor skip, Tensor skipWeight) {
        String op = "layerNormChannelsBackward";
        layerNormChannels(x, weight, bias, scale, skip, skipWeight);
        if (gy == null) throw new TensorException(op, "a gy tensor", "null");
        sameDevice(op, x, gy);
        floating(op, gy);
        if (!Shapes.same(gy.shapeRef(), x.shapeRef())) {
            throw new TensorException.Shape(op, "gy of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(gy.shapeRef()));
        }
        int[] cols = {x.size(0), x.size(2)};
        for (Tensor stat : new Tensor[] {mean, rstd}) {
            if (stat == null) throw new TensorException(op, "mean and rstd tensors", "null");
            sameDevice(op, x, stat);
            if (!Shapes.same(stat.shapeRef(), cols)) {
                throw new TensorException.Shape(op, (stat == mean ? "mean" : "rstd") + " of shape " + Shapes.str(cols) + " (N, M)",
                        Shapes.str(stat.shapeRef()));
            }
        }
    }

    /** Operands of {@link Backend#layerNormGated}: x (..., C) F32, F64 or BF16; z of x's shape; weight, bias (C) or null. */
    public static void layerNormGated(Tensor x, Tensor weight, Tensor bias, Tensor z) {
        String op = "layerNormGated";
        if (x == null || x.rank() < 1) throw new TensorException.Shape(op, "x of at least 1 dim (..., C)", x == null ? "null" : Shapes.str(x.shapeRef()));
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64 && x.dtype() != DType.BF16) {
            throw new TensorException.DType(op, "x of dtype F32, F64 or BF16", x.dtype().toString());
        }
        if (z == null) throw new TensorException(op, "a gate tensor z", "null");
        sameDevice(op, x, z);
        floating(op, z);
        if (!Shapes.same(z.shapeRef(), x.shapeRef())) {
            throw new TensorException.Shape(op, "z of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(z.shapeRef()));
        }
        channelVector(op, "weight", weight, x, x.size(-1));
        channelVector(op, "bias", bias, x, x.size(-1));
    }

    /** Operands of {@link Backend#layerNormGatedBackward}: as {@link #layerNormGated} plus {@link #layerNormBackward}'s. */
    public static void layerNormGatedBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor z) {
        layerNormGated(x, weight, bias, z);
        rowNormGradients("layerNormGatedBackward", gy, x, mean, rstd, weight);
    }

    /** Operands of {@link Backend#depthwiseConv2dSilu}: x (N, C, H, W), w (C, 1, kh, kw), groups C, bias (C) or null, one device. */
    public static void depthwiseConv(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        String op = "depthwiseConv2dSilu";
        if (x == null || x.rank() != 4) throw new TensorException.Shape(op, "x of shape (N, C, H, W)", x == null ? "null" : Shapes.str(x.shapeRef()));
        int c = x.size(1);
        if (w == null || w.rank() != 4 || w.size(0) != c || w.size(1) != 1) {
            throw new TensorException.Shape(op, "w of shape (" + c + ", 1, kh, kw)", w == null ? "null" : Shapes.str(w.shapeRef()));
        }
        if (p.groups() != c) throw new TensorException(op, "groups = channels = " + c, String.valueOf(p.groups()));
        sameDevice(op, x, w);
        channelVector(op, "bias", bias, x, c);
    }

    /** Operands of {@link Backend#unaryGrad}: an op with a fused gradient, x F32 or F64, gy of x's shape on x's device. */
    public static void unaryGrad(UnaryOp op, Tensor x, Tensor gy) {
        String name = "unaryGrad";
        if (!op.hasFusedGradient()) throw new TensorException(name, "tanh, sigmoid, silu, gelu, gelu_tanh or softplus", op.name());
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64) throw new TensorException.DType(name, "x of dtype F32 or F64", x.dtype().toString());
        if (gy == null) throw new TensorException(name, "a gy tensor", "null");
        sameDevice(name, x, gy);
        floating(name, gy);
        if (!Shapes.same(x.shapeRef(), gy.shapeRef())) {
            throw new TensorException.Shape(name, "gy of x's shape " + Shapes.str(x.shapeRef()), Shapes.str(gy.shapeRef()));
        }
    }

    /** Backend.biasActivationBf16: x (..., n) float32 with a float32 bias (n) on its device, or bf16 without a bias. */
    public static void biasActivationBf16(UnaryOp op, Tensor x, Tensor bias) {
        String name = "biasActivationBf16";
        if (!op.hasFusedGradient() || op == UnaryOp.SOFTPLUS) {
            throw new TensorException(name, "tanh, sigmoid, silu, gelu or gelu_tanh", op.name());
        }
        if (x.rank() < 1) throw new TensorException.Shape(name, "x of rank >= 1", Shapes.str(x.shapeRef()));
        DType want = bias == null ? DType.BF16 : DType.F32;
        if (x.dtype() != want) {
            throw new TensorException.DType(name, "x of dtype " + want + (bias == null ? " without a bias" : " with a bias"), x.dtype().toString());
        }
        if (bias == null) return;
        sameDevice(name, x, bias);
        if (bias.dtype() != DType.F32 || bias.rank() != 1 || bias.size(0) != x.size(-1)) {
            throw new TensorException.Shape(name, "a float32 bias (" + x.size(-1) + ")", bias.dtype() + " " + Shapes.str(bias.shapeRef()));
        }
    }

    /** Backend.activationGradBf16: pre bf16 and gy float32 of one shape, on one device. */
    public static void activationGradBf16(UnaryOp op, Tensor pre, Tensor gy) {
        String name = "activationGradBf16";
        if (!op.hasFusedGradient() || op == UnaryOp.SOFTPLUS) {
            throw new TensorException(name, "tanh, sigmoid, silu, gelu or gelu_tanh", op.name());
        }
        if (pre.dtype() != DType.BF16) throw new TensorException.DType(name, "pre of dtype BF16", pre.dtype().toString());
        if (gy == null || gy.dtype() != DType.F32) throw new TensorException.DType(name, "gy of dtype F32", gy == null ? "null" : gy.dtype().toString());
        sameDevice(name, pre, gy);
        if (!Shapes.same(pre.shapeRef(), gy.shapeRef())) {
            throw new TensorException.Shape(name, "gy of pre's shape " + Shapes.str(pre.shapeRef()), Shapes.str(gy.shapeRef()));
        }
    }

    /** A (C) parameter of a norm over the last dim, on like's device, or null. */
    private static void channelVector(String op, String name, Tensor v, Tensor like, int c) {
        if (v == null) return;
        sameDevice(op, like, v);
        if (v.rank() != 1 || v.size(0) != c) throw new TensorException.Shape(op, name + " of shape (" + c + ")", Shapes.str(v.shapeRef()));
    }

    private static void checkUpdateOperand(String op, String name, Tensor t) {
        t.storage().checkAlive(op);
        if (!t.isContiguous()) {
            throw new TensorException(op, "a contiguous " + name, "strides " + java.util.Arrays.toString(t.strides()) + " for shape " + Shapes.str(t.shapeRef()));
        }
    }
}
