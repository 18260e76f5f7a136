package dev.jmamba.io.pth;

/** A pickle the restricted reader will not accept; the message names the byte offset and the reason. */
final class PickleException extends RuntimeException {
    PickleException(long offset, String problem) {
        super("at byte " + offset + ": " + problem);
    }
}
