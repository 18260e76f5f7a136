/**
 * Mamba mixers as {@link dev.jmamba.nn.Module}s with the parameter names of the official code:
 * the Mamba-1 block and Vim's bidirectional mixer (the 1-D blocks; the 2-D mixers are in
 * {@code dev.jmamba.vision.mixer}).
 */
package dev.jmamba.ssm.block;
