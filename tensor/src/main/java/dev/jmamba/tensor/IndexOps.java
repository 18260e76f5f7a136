package dev.jmamba.tensor;

/** Checks around gather / scatter / index-select. */
final class IndexOps {
    private IndexOps() {}

    static Tensor gather(Tensor x, int axis, Tensor index) {
        Checks.index("gather", index);
        Checks.sameDevice("gather", x, index);
        int a = Shapes.axis("gather", axis, x.rank());
        if (index.rank() != x.rank()) throw new TensorException.Shape("gather", "index of rank " + x.rank(), Shapes.str(index.shapeRef()));
        for (int i = 0; i < x.rank(); i++) {
            if (i != a && index.shapeRef()[i] > x.shapeRef()[i]) {
                throw new TensorException.Shape("gather", "index dims <= input dims except along axis " + a,
                        Shapes.str(index.shapeRef()) + " for input " + Shapes.str(x.shapeRef()));
            }
        }
        return x.backend().gather(x, a, index);
    }

    static Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) {
        Checks.index("scatterAdd", index);
        Checks.sameDevice("scatterAdd", target, index);
        Checks.sameDevice("scatterAdd", target, src);
        int a = Shapes.axis("scatterAdd", axis, target.rank());
        if (!index.sameShape(src) || index.rank() != target.rank()) {
            throw new TensorException.Shape("scatterAdd", "index and src of equal shape and rank " + target.rank(),
                    Shapes.str(index.shapeRef()) + " and " + Shapes.str(src.shapeRef()));
        }
        return target.backend().scatterAdd(target, a, index, src);
    }

    static Tensor indexSelect(Tensor x, int axis, Tensor index) {
        Checks.index("indexSelect", index);
        Checks.sameDevice("indexSelect", x, index);
        if (index.rank() != 1) throw new TensorException.Shape("indexSelect", "a 1-D index", Shapes.str(index.shapeRef()));
        return x.backend().indexSelect(x, Shapes.axis("indexSelect", axis, x.rank()), index);
    }

    static Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) {
        Checks.index("indexAdd", index);
        Checks.sameDevice("indexAdd", target, src);
        int a = Shapes.axis("indexAdd", axis, target.rank());
        if (index.rank() != 1 || src.rank() != target.rank() || src.shapeRef()[a] != index.shapeRef()[0]) {
            throw new TensorException.Shape("indexAdd", "a 1-D index whose length is src's size along axis " + a,
                    "index " + Shapes.str(index.shapeRef()) + ", src " + Shapes.str(src.shapeRef()));
        }
        return target.backend().indexAdd(target, a, index, src);
    }
}
