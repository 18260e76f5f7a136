package dev.jmamba.nn;

/**
 * Derives independent 64-bit seeds from a base seed and a stream number (SplitMix64 finaliser), so
 * one model seed can feed every parameter and every dropout call reproducibly.
 */
public final class Seeds {
    private Seeds() {}

    /** A seed for stream {@code stream} of {@code seed}; different streams give unrelated seeds. */
    public static long derive(long seed, long stream) {
        return mix(seed + 0x9E3779B97F4A7C15L * (stream + 1));
    }

    /** The SplitMix64 finaliser: a bijective 64-bit mix with good avalanche (the one copy in jmamba). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
