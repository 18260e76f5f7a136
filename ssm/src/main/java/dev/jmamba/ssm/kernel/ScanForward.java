package dev.jmamba.ssm.kernel;

/**
 * The result of {@link SelectiveScanCpu#forward}.
 *
 * @param out         (B, D, L) gated output
 * @param lastState   (B, D, N) hidden state after the last position, or null when not requested
 * @param chunkStates (B, D, nChunks, N) hidden state at the end of every chunk of
 *                    {@link SelectiveScanCpu#CHUNK} positions; what the backward pass needs
 */
public record ScanForward(float[] out, float[] lastState, float[] chunkStates) {}
