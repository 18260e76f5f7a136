package dev.jmamba.tensor.cpu;

/**
 * The plain-Java register-tile kernel (4, 8) used when the Vector API is absent. Accumulates in a
 * small local array whose inner loop over the 8 columns C2 may auto-vectorise.
 */
final class SgemmScalarKernel implements SgemmKernel {
    static final SgemmScalarKernel INSTANCE = new SgemmScalarKernel();
    private static final int MR = 4, NR = 8;

    private SgemmScalarKernel() {}

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override public String describe() { return "plain Java (no Vector API), tile " + MR + "x" + NR; }

    @Override
    public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        float[] acc = new float[MR * NR]; // (MR, NR); escape analysis keeps this off the heap
        for (int p = 0; p < kc; p++) {
            int ai = apOff + p * MR, bi = bpOff + p * NR;
            for (int r = 0; r < MR; r++) {
                float av = ap[ai + r];
                for (int j = 0; j < NR; j++) acc[r * NR + j] += av * bp[bi + j];
            }
        }
        for (int r = 0; r < MR; r++) {
            int row = cOff + r * ldc;
            for (int j = 0; j < NR; j++) {
                c[row + j] = beta == 0f ? acc[r * NR + j] : acc[r * NR + j] + beta * c[row + j];
            }
        }
    }
}
