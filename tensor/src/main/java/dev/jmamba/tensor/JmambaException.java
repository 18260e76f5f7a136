package dev.jmamba.tensor;

/**
 * The root of every exception jmamba's library modules throw on purpose: code that embeds jmamba
 * catches {@code JmambaException} to handle "jmamba refused this" in one place. The message is one
 * sentence that names the operation or component, what it expected and what arrived.
 *
 * <p>The family (each subclass lives next to the code that throws it):
 * <ul>
 *   <li>{@code JmambaException} itself — a bad argument or configuration value (a negative size, a
 *       channel count a layer cannot take, an unknown model name, ...);</li>
 *   <li>{@link TensorException} and its {@code Shape}, {@code DType}, {@code Device} and
 *       {@code OutOfMemory} kinds — tensor and autograd ops given tensors they cannot combine, or a
 *       device that cannot hold the result;</li>
 *   <li>{@code dev.jmamba.tensor.cuda.CudaException} — a CUDA driver, NVRTC or cuBLAS call failed (its
 *       message names the function and the library's error name);</li>
 *   <li>{@code dev.jmamba.io.CheckpointException} — a checkpoint file that cannot be read or written;
 *       {@code dev.jmamba.nn.StateDictException} — a state dict that does not fit a module.</li>
 * </ul>
 *
 * <p>It extends {@link IllegalArgumentException} so that code written to the plain Java convention
 * ("IAE = the caller passed something wrong") keeps working: from a caller's side nearly every jmamba
 * failure is an input that this machine or this model cannot take. As in the JDK, a call made in the
 * wrong state (setValue on a Var that is not a leaf, a profiler started twice) is an
 * {@link IllegalStateException}, and a broken internal invariant is an {@link IllegalStateException}
 * or an {@code assert} (a bug in jmamba, not the caller's fault). The
 * {@code scan-curves} module depends on the JDK only and throws plain {@link IllegalArgumentException}
 * subclasses ({@code UnknownOrderException}, {@code UnsupportedGridException}).
 */
public class JmambaException extends IllegalArgumentException {

    public JmambaException(String message) {
        super(message);
    }

    public JmambaException(String message, Throwable cause) {
        super(message, cause);
    }
}
