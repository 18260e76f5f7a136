package dev.jmamba.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    /** float bits → expected bf16 bits, computed by hand from the bit patterns. */
    private static final int[][] BF16_TABLE = {
            {0x3F800000, 0x3F80}, // 1.0
            {0xC0000000, 0xC000}, // -2.0
            {0x00000000, 0x0000}, // +0
            {0x80000000, 0x8000}, // -0
            {0x40490FDB, 0x4049}, // pi: low half 0x0FDB < 0x8000, rounds down
            {0x3F808000, 0x3F80}, // 1 + 2^-8: exact tie between 0x3F80 and 0x3F81 -> even 0x3F80
            {0x3F818000, 0x3F82}, // tie between 0x3F81 and 0x3F82 -> even 0x3F82
            {0x3F808001, 0x3F81}, // just above the tie -> up
            {0x3F807FFF, 0x3F80}, // just below the tie -> down
            {0xBF818000, 0xBF82}, // negative tie -> even (magnitude rounds like the positive one)
            {0x3F7FFFFF, 0x3F80}, // 1 - 2^-24: mantissa carry bumps the exponent -> exactly 1.0
            {0x7F7FFFFF, 0x7F80}, // Float.MAX_VALUE is past the last bf16 tie -> +infinity
            {0x7F7F7FFF, 0x7F7F}, // largest float that rounds to the largest finite bf16
            {0x7F800000, 0x7F80}, // +infinity
            {0xFF800000, 0xFF80}, // -infinity
            {0x00000001, 0x0000}, // smallest subnormal rounds to +0
            {0x00008000, 0x0000}, // tie between 0 and the smallest bf16 subnormal -> even 0
            {0x00018000, 0x0002}, // tie between 0x0001 and 0x0002 -> even 0x0002
    };

    @Test
    void floatToBf16MatchesHandTable() {
        for (int[] row : BF16_TABLE) {
            short bits = HalfFloats.floatToBf16(Float.intBitsToFloat(row[0]));
            assertEquals(row[1], bits & 0xFFFF,
                    () -> String.format("float bits 0x%08X should give bf16 0x%04X", row[0], row[1]));
        }
    }

    @Test
    void nanStaysNanWithSign() {
        int[] nanBits = {0x7FC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF, 0x7F80FFFF};
        for (int bits : nanBits) {
            short bf16 = HalfFloats.floatToBf16(Float.intBitsToFloat(bits));
            assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(bf16)), String.format("0x%08X", bits));
            assertEquals(bits >>> 31, (bf16 & 0xFFFF) >>> 15, "sign kept");
        }
    }

    @Test
    void bf16ToFloatIsExactUpperHalf() {
        assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, HalfFloats.bf16ToFloat((short) 0xC000));
        assertEquals(3.140625f, HalfFloats.bf16ToFloat((short) 0x4049));
        for (int bits = 0; bits < 0x10000; bits++) {
            float value = HalfFloats.bf16ToFloat((short) bits);
            if (!Float.isNaN(value)) {
                assertEquals(bits, HalfFloats.floatToBf16(value) & 0xFFFF, "every bf16 survives a round trip");
            }
        }
    }

    /**
     * Plain reference: of the two bf16 neighbours (truncate, truncate + 1 ulp), take the nearer one in
     * exact double arithmetic, the even one on a tie. Compared on seeded random finite floats.
     */
    @Test
    void floatToBf16MatchesNearestEvenReference() {
        SplittableRandom random = new SplittableRandom(7);
        int checked = 0;
        while (checked < 200_000) {
            int bits = random.nextInt();
            float value = Float.intBitsToFloat(bits);
            int truncated = bits >>> 16;
            float down = HalfFloats.bf16ToFloat((short) truncated);
            float up = HalfFloats.bf16ToFloat((short) (truncated + 1));
            if (!Float.isFinite(value) || !Float.isFinite(up) || (truncated & 0x7FFF) == 0x7FFF) {
                continue;
            }
            double toDown = Math.abs((double) value - down);
            double toUp = Math.abs((double) up - value);
            int expected = toDown < toUp ? truncated
                    : toUp < toDown ? truncated + 1
                    : (truncated & 1) == 0 ? truncated : truncated + 1;
            assertEquals(expected & 0xFFFF, HalfFloats.floatToBf16(value) & 0xFFFF,
                    String.format("float bits 0x%08X", bits));
            checked++;
        }
    }

    @Test
    void f16HandTable() {
        assertEquals(0x3C00, HalfFloats.floatToF16(1.0f) & 0xFFFF);
        assertEquals(0xC000, HalfFloats.floatToF16(-2.0f) & 0xFFFF);
        assertEquals(0x7BFF, HalfFloats.floatToF16(65504f) & 0xFFFF);        // largest finite half
        assertEquals(0x7C00, HalfFloats.floatToF16(65520f) & 0xFFFF);        // tie past the top -> inf
        assertEquals(0x3C00, HalfFloats.floatToF16(1f + 0x1p-11f) & 0xFFFF); // tie -> even
        assertEquals(0x3C02, HalfFloats.floatToF16(1f + 3 * 0x1p-11f) & 0xFFFF); // tie -> even
        assertEquals(0x0001, HalfFloats.floatToF16(0x1p-24f) & 0xFFFF);      // smallest subnormal
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(Float.NaN))));
        assertEquals(0.5f, HalfFloats.f16ToFloat((short) 0x3800));
    }
}
