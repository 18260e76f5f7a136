package dev.jmamba.tensor;

/**
 * Distributions of {@link Backend#fillRandom}: {@code UNIFORM} on [a, b); {@code NORMAL} with mean
 * a and std b; {@code TRUNC_NORMAL} mean a, std b, redrawn outside [a - 2b, a + 2b] (timm's
 * trunc_normal_ default bounds).
 */
public enum RandomKind { UNIFORM, NORMAL, TRUNC_NORMAL }
