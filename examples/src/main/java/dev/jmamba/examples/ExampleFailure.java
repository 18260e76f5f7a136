package dev.jmamba.examples;

import dev.jmamba.tensor.JmambaException;

/** An example's closing check did not hold: the message says which number, what was expected and what came out. */
public final class ExampleFailure extends JmambaException {
    public ExampleFailure(String message) {
        super(message);
    }
}
