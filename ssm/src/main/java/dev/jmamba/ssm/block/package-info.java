/**
 * Mamba mixers as {@link dev.jmamba.nn.Module}s with the parameter names of the official code:
 * the Mamba-1 block, Vim's bidirectional mixer, VMamba's SS2D and its any-orders generalisation.
 */
package dev.jmamba.ssm.block;
