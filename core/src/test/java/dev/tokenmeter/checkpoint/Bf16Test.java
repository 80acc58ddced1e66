package dev.tokenmeter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** bf16 conversion: round to nearest, ties to even, on the bit patterns where it matters. */
class Bf16Test {

    private static void assertRounds(int floatBits, int bf16Bits) {
        short got = Bf16.fromFloat(Float.intBitsToFloat(floatBits));
        assertEquals(bf16Bits, got & 0xFFFF,
                () -> String.format("0x%08X should round to 0x%04X, got 0x%04X", floatBits, bf16Bits, got & 0xFFFF));
    }

    @Test
    void exactValuesAreKept() {
        assertRounds(0x3F800000, 0x3F80); // 1.0
        assertRounds(0xBF800000, 0xBF80); // -1.0
        assertRounds(0x00000000, 0x0000);
        assertRounds(0x80000000, 0x8000); // -0.0 keeps its sign
    }

    @Test
    void tiesGoToEven() {
        // Lower half exactly 0x8000: the kept part 0x3F80 is even and stays, 0x3F81 is odd and goes up.
        assertRounds(0x3F808000, 0x3F80);
        assertRounds(0x3F818000, 0x3F82);
        assertRounds(0xBF808000, 0xBF80);
        assertRounds(0xBF818000, 0xBF82);
        // Subnormals follow the same rule.
        assertRounds(0x00008000, 0x0000);
        assertRounds(0x00018000, 0x0002);
    }

    @Test
    void nonTiesGoToNearest() {
        assertRounds(0x3F807FFF, 0x3F80);
        assertRounds(0x3F808001, 0x3F81);
        assertRounds(0xBF807FFF, 0xBF80);
        assertRounds(0xBF808001, 0xBF81);
        // bf16's ulp at 1 is 2^-7: 1 + 2^-8 is a tie (to even 1.0); anything above it rounds up.
        assertEquals(1.0f, Bf16.round(1.0f + 0x1.0p-8f));
        assertEquals(1.0078125f, Bf16.round(1.0f + 0x1.0p-8f + 0x1.0p-20f));
        assertEquals(1.0f, Bf16.round(1.0f + 0x1.0p-9f));
    }

    @Test
    void roundingCarriesIntoTheExponent() {
        assertRounds(0x3FFFFFFF, 0x4000);   // just under 2.0 rounds to 2.0
        assertRounds(0x3FFF8000, 0x4000);   // tie from an odd mantissa
        assertRounds(0xBFFFFFFF, 0xC000);   // and the same negative
        assertRounds(0x007FFFFF, 0x0080);   // largest subnormal becomes the smallest normal
        // The largest finite floats overflow to infinity, as IEEE rounding does.
        assertRounds(0x7F7FFFFF, 0x7F80);
        assertRounds(0xFF7FFFFF, 0xFF80);
        assertRounds(0x7F7F7FFF, 0x7F7F);   // just below the tie stays finite
    }

    @Test
    void infinitiesStayInfinite() {
        assertRounds(0x7F800000, 0x7F80);
        assertRounds(0xFF800000, 0xFF80);
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(Float.NEGATIVE_INFINITY));
    }

    @Test
    void nanStaysNan() {
        // Payloads only in the low 16 bits would truncate to infinity without the quiet bit.
        for (int bits : new int[] {0x7FC00000, 0x7F800001, 0x7F80FFFF, 0xFF800001, 0x7FFFFFFF, 0xFFC00000}) {
            float back = Bf16.toFloat(Bf16.fromFloat(Float.intBitsToFloat(bits)));
            assertTrue(Float.isNaN(back), String.format("0x%08X became %s", bits, back));
            assertEquals(bits >>> 31, Float.floatToRawIntBits(back) >>> 31, "sign of NaN");
        }
    }

    @Test
    void everyNonNanBf16RoundTripsExactly() {
        int checked = 0;
        for (int b = 0; b <= 0xFFFF; b++) {
            float f = Bf16.toFloat((short) b);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(b << 16, Float.floatToRawIntBits(f), "toFloat is exact");
            assertEquals(b, Bf16.fromFloat(f) & 0xFFFF, "bf16 pattern " + Integer.toHexString(b));
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(Bf16.round(f)));
            checked++;
        }
        // 2 x 127 NaN patterns: exponent all ones, 7-bit mantissa nonzero, either sign.
        assertEquals(65536 - 2 * 127, checked);
    }
}
