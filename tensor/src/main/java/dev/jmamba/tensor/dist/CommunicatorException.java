package dev.jmamba.tensor.dist;

import dev.jmamba.tensor.JmambaException;

/**
 * A process group failed or could not be formed: a rendezvous that timed out or met a wrong peer,
 * a rank that died, a collective that was aborted. The message is one sentence that names the rank
 * or address involved and what to check.
 */
public class CommunicatorException extends JmambaException {
    public CommunicatorException(String message) {
        super(message);
    }

    public CommunicatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
