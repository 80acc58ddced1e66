package dev.tokenmeter.backend;

/**
 * Memory a model needs on a device, and what the device has.
 *
 * @param weightBytes    stored weights
 * @param kvCacheBytes   the KV cache for every sequence slot at full context
 * @param workspaceBytes activations and scratch
 * @param availableBytes what the device can give
 * @param where          the memory's name in messages ("Java heap", "GPU memory")
 */
public record MemoryPlan(long weightBytes, long kvCacheBytes, long workspaceBytes, long availableBytes, String where) {
    public long requiredBytes() {
        return weightBytes + kvCacheBytes + workspaceBytes;
    }

    public boolean fits() {
        return requiredBytes() <= availableBytes;
    }

    /** The figures, for a refusal message. */
    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "needs %s (weights %s + KV cache %s + workspace %s) but %s has %s available",
                gib(requiredBytes()), gib(weightBytes), gib(kvCacheBytes), gib(workspaceBytes), where,
                gib(availableBytes));
    }

    static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
