package dev.tokenmeter.backend;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;

/** An opened device: it knows its limits and builds engines. Closing it frees everything it allocated. */
public interface Backend extends AutoCloseable {
    String name();

    /** The device, with ceilings measured once when first asked. */
    DeviceInfo device();

    /** Bytes per element of the KV cache this backend keeps. */
    int kvBytesPerElement();

    /** What a model with these options would need, and what the device has, before anything is allocated. */
    MemoryPlan plan(ModelConfig model, EngineOptions options);

    /**
     * Builds the model's weights (synthetic checkpoint) and KV cache on the device. Refuses with
     * {@link InsufficientMemoryException} before allocating when {@link #plan} does not fit.
     */
    Engine load(ModelConfig model, EngineOptions options);

    /**
     * Whether the same inputs give the same bits on every run (no reduction whose order depends on timing, such as
     * a split-K GEMM's atomic adds): a fleet compares such backends' answers bit for bit, others within tolerance.
     */
    default boolean deterministic() {
        return false;
    }

    @Override
    void close();
}
