package dev.jmamba.tensor;

/**
 * Philox-4x32-10 counter-based random numbers (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011). Element i of a tensor filled with seed s takes the 4 words of
 * {@code philox(key = s, counter = i / 4)} (word i % 4), so the numbers depend only on (seed, i):
 * the same on every device and for any number of threads.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    private Philox() {}

    /** Word {@code index % 4} of block {@code index / 4} for {@code seed}. */
    public static int word(long seed, long index) {
        int c0 = (int) (index >>> 2), c1 = (int) (index >>> 34), c2 = 0, c3 = 0;
        int k0 = (int) seed, k1 = (int) (seed >>> 32);
        for (int r = 0; r < 10; r++) {
            long p0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long p1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0; k1 += W1;
        }
        return switch ((int) (index & 3)) {
            case 0 -> c0;
            case 1 -> c1;
            case 2 -> c2;
            default -> c3;
        };
    }

    /** Uniform double in [0, 1) from element {@code index} (24 random bits, exact in float). */
    public static double uniform(long seed, long index) {
        return (word(seed, index) >>> 8) * 0x1.0p-24;
    }

    /**
     * Standard normal for element {@code index}: Box–Muller on two uniforms drawn from the
     * independent streams {@code 2*index} and {@code 2*index+1}.
     */
    public static double normal(long seed, long index) {
        double u1 = ((word(seed, 2 * index) >>> 8) + 1) * 0x1.0p-24; // (0, 1]
        double u2 = (word(seed, 2 * index + 1) >>> 8) * 0x1.0p-24;
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * Normal(mean, std) truncated to [mean - 2 std, mean + 2 std]: redraws with a per-element
     * sub-stream until inside (deterministic per element).
     */
    public static double truncNormal(long seed, long index, double mean, double std) {
        for (int attempt = 0; ; attempt++) {
            double z = normal(seed + 0x9E3779B97F4A7C15L * attempt, index);
            if (Math.abs(z) <= 2.0) return mean + std * z;
        }
    }
}
