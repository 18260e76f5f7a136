package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.one;
import static dev.jmamba.autograd.rules.Grads.zeros;

import dev.jmamba.tensor.Tensor;

/**
 * Backward rules of the indexing ops. Reading at indices (gather, indexSelect) has as backward
 * an add at the same indices into zeros (scatterAdd, indexAdd), so repeated indices accumulate;
 * adding at indices has as backward a read at those indices.
 */
public final class IndexRules {
    private IndexRules() {}

    /** y = x.gather(axis, index): dx = zeros.scatterAdd(axis, index, dy). */
    public static Rule gather(int[] xShape, int axis, Tensor index) {
        return (gy, n) -> one(zeros(gy, xShape).scatterAdd(axis, index, gy));
    }

    /** y = target.scatterAdd(axis, index, src): dtarget = dy, dsrc = dy.gather(axis, index). */
    public static Rule scatterAdd(int axis, Tensor index) {
        return (gy, n) -> new Tensor[] {gy, n[1] ? gy.gather(axis, index) : null};
    }

    /** y = x.indexSelect(axis, index): dx = zeros.indexAdd(axis, index, dy). */
    public static Rule indexSelect(int[] xShape, int axis, Tensor index) {
        return (gy, n) -> one(zeros(gy, xShape).indexAdd(axis, index, gy));
    }

    /** y = target.indexAdd(axis, index, src): dtarget = dy, dsrc = dy.indexSelect(axis, index). */
    public static Rule indexAdd(int axis, Tensor index) {
        return (gy, n) -> new Tensor[] {gy, n[1] ? gy.indexSelect(axis, index) : null};
    }
}
