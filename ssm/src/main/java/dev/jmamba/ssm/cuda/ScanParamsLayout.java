package dev.jmamba.ssm.cuda;

import java.util.List;

/**
 * The byte layout of {@code struct ScanParams} ({@code selective_scan.cu}), which {@link SelectiveScanCuda}
 * packs by value for every scan kernel. Written down once here, with the field names of the C struct;
 * {@code ScanParamsLayoutTest} compiles the struct with nvcc and checks every offset and the size.
 */
final class ScanParamsLayout {
    private ScanParamsLayout() {}

    /** The leading ints, in order: B, D, L, N, G, NP (lanes), nChunks, softplus, TD (channels per block). */
    static final List<String> INT_FIELDS = List.of("B", "D", "L", "N", "G", "NP", "nChunks", "softplus", "TD");
    /**
     * The pointer fields, in order: the 20 of a call ({@code call[i]} of the launcher), then the v6 scratch buffers
     * (segment summaries, and the partial sums of the deterministic backward).
     */
    static final List<String> POINTER_FIELDS = List.of("u", "delta", "A", "Bm", "Cm", "Dskip", "z", "deltaBias", "out",
            "states", "lastState", "gout", "du", "ddelta", "dA", "dB", "dC", "dDskip", "dz", "ddeltaBias", "segDt", "segState",
            "bcPart", "paramPart");
    /** Pointers of one call: everything but the scratch buffers segDt, segState, bcPart, paramPart. */
    static final int CALL_POINTERS = 20;

    /** First pointer: the 9 ints take 36 bytes, padded to the pointers' 8-byte alignment. */
    static final long POINTERS_AT = 40;
    /** int S (segments), then int segChunks. */
    static final long SEGMENTS_AT = POINTERS_AT + 8L * POINTER_FIELDS.size();
    static final long SEG_CHUNKS_AT = SEGMENTS_AT + 4;
    /** long long seqStride[8][2] ({batch, channel} of u, delta, z, out, gout, du, ddelta, dz). */
    static final long SEQ_STRIDES_AT = SEG_CHUNKS_AT + 4;
    /** long long bcStride[4][2] ({batch, row} of Bm, Cm, dB, dC). */
    static final long BC_STRIDES_AT = SEQ_STRIDES_AT + 8 * 16;
    /** int reverse. */
    static final long REVERSE_AT = BC_STRIDES_AT + 4 * 16;
    /** int sharedU (the groups read one u of D / G channels). */
    static final long SHARED_U_AT = REVERSE_AT + 4;
    /** const int* cols: the (G, L) path table, or null. */
    static final long COLS_AT = REVERSE_AT + 8;
    /** sizeof(ScanParams). */
    static final int BYTES = (int) (COLS_AT + 8);

    /** Offset of the i-th leading int. */
    static long intAt(int i) { return 4L * i; }

    /** Offset of the i-th pointer ({@link #POINTER_FIELDS} order). */
    static long pointerAt(int i) { return POINTERS_AT + 8L * i; }
}
