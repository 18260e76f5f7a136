package dev.jmamba.curves;

/** A scan order name that the registry ({@link ScanOrders}) does not know. */
public final class UnknownOrderException extends IllegalArgumentException {
    public UnknownOrderException(String message) {
        super(message);
    }
}
