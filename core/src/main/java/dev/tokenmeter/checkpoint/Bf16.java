package dev.tokenmeter.checkpoint;

/** bfloat16 conversions: the upper 16 bits of an IEEE float32. */
public final class Bf16 {
    private Bf16() {
    }

    /** float32 to bf16 bits, rounding to nearest even (NaN stays a quiet NaN). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** bf16 bits to float32 (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Rounds a float32 to the nearest bf16 value, returned as float32. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
