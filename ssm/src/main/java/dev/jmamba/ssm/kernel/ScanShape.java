package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.JmambaException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The sizes of one selective-scan call: batch {@code B}, channels {@code D}, sequence length
 * {@code L}, state size {@code N} and B/C groups {@code G}. Channel {@code d} reads group
 * {@code d / (D / G)} of B and C. Every array of a scan is a flat, contiguous, row-major
 * array whose length this record checks against the shape written in its javadoc.
 *
 * @param batch    B, at least 1
 * @param channels D, at least 1 and a multiple of {@code groups}
 * @param length   L, at least 1
 * @param state    N, at least 1
 * @param groups   G, at least 1
 */
public record ScanShape(int batch, int channels, int length, int state, int groups) {

    /** Validates the sizes once; every kernel relies on them afterwards. */
    public ScanShape {
        requirePositive("batch B", batch);
        requirePositive("channels D", channels);
        requirePositive("length L", length);
        requirePositive("state N", state);
        requirePositive("groups G", groups);
        if (channels % groups != 0) {
            throw new JmambaException("channels D = " + channels
                    + " must be a multiple of groups G = " + groups + " (each group owns D/G channels)");
        }
    }

    /** D / G: how many consecutive channels share one row of B and C. */
    public int channelsPerGroup() { return channels / groups; }

    /** The B/C group that channel {@code d} reads. */
    public int groupOf(int d) { return d / channelsPerGroup(); }

    /** Number of chunks of {@code chunk} positions needed to cover L (the last may be partial). */
    public int chunks(int chunk) { return Math.ceilDiv(length, chunk); }

    /** B·D·L, the length of u, delta, z, out and their gradients. */
    public int sequenceSize() { return Math.multiplyExact(Math.multiplyExact(batch, channels), length); }

    /** B·G·N·L, the length of B, C and their gradients. */
    public int groupedSize() {
        return Math.multiplyExact(Math.multiplyExact(batch, groups), Math.multiplyExact(state, length));
    }

    /**
     * Checks the lengths of one scan's inputs against this shape, -1 standing for a null array:
     * u, delta (B, D, L); A (D, N); Bm, Cm (B, G, N, L); and the optional dSkip (D), z (B, D, L),
     * deltaBias (D). Throws naming the first array that does not fit.
     */
    void requireInputLengths(int u, int delta, int A, int Bm, int Cm, int dSkip, int z, int deltaBias) {
        int b = batch, d = channels, l = length, n = state, g = groups;
        requireLength("u", "(B, D, L)", u, false, b, d, l);
        requireLength("delta", "(B, D, L)", delta, false, b, d, l);
        requireLength("A", "(D, N)", A, false, d, n);
        requireLength("Bm", "(B, G, N, L)", Bm, false, b, g, n, l);
        requireLength("Cm", "(B, G, N, L)", Cm, false, b, g, n, l);
        requireLength("dSkip", "(D)", dSkip, true, d);
        requireLength("z", "(B, D, L)", z, true, b, d, l);
        requireLength("deltaBias", "(D)", deltaBias, true, d);
    }

    /**
     * Throws unless {@code array} is non-null (or {@code optional}) and holds exactly the product of
     * {@code dims} elements. The message names the array, its symbolic and numeric shape and what arrived.
     *
     * @param name    the argument's name, e.g. {@code "u"}
     * @param symbols the symbolic shape, e.g. {@code "(B, D, L)"}
     * @param actual  the array's length, or -1 when the array is null
     * @param dims    the numeric shape, e.g. {@code batch, channels, length}
     */
    static void requireLength(String name, String symbols, int actual, boolean optional, int... dims) {
        long expected = 1;
        for (int dim : dims) expected *= dim;
        String shape = Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
        if (actual < 0) {
            if (optional) return;
            throw new JmambaException(name + ": expected shape " + symbols + " = " + shape
                    + ", i.e. " + expected + " elements, but got null");
        }
        if (actual != expected) {
            throw new JmambaException(name + ": expected shape " + symbols + " = " + shape
                    + ", i.e. " + expected + " elements, but got an array of " + actual + " elements");
        }
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) throw new JmambaException(name + " must be >= 1, got " + value);
    }
}
