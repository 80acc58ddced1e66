package dev.tokenmeter.model;

/** Storage type of a model's weights. Compute is always fp32 accumulation. */
public enum WeightDtype {
    BF16(2),
    FP32(4);

    private final int bytes;

    WeightDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element. */
    public int bytes() {
        return bytes;
    }

    /** Parses "bf16", "bfloat16", "fp32", "float32" (case-insensitive). */
    public static WeightDtype parse(String text) {
        switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "bf16":
            case "bfloat16":
                return BF16;
            case "fp32":
            case "float32":
            case "f32":
                return FP32;
            default:
                throw new IllegalArgumentException(
                        "weight dtype '" + text + "' is not supported; allowed: bf16, fp32");
        }
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
