package dev.jmamba.curves;

/** A curve was asked for a grid size on which it is not defined (e.g. Peano on 14×14). */
public final class UnsupportedGridException extends IllegalArgumentException {
    /**
     * @param curve   the curve family name
     * @param allowed human description of the sizes on which the curve is defined
     */
    public UnsupportedGridException(String curve, int h, int w, String allowed) {
        super("scan order '" + curve + "' is not defined for a " + h + "x" + w + " grid; it is defined only for " + allowed);
    }
}
