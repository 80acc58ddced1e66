package dev.tokenmeter.engine;

import dev.tokenmeter.model.ModelConfig;

/**
 * A model loaded on a backend with its KV cache: runs unified steps. Not thread-safe: one caller at a time.
 * Closing it frees the weights and the cache.
 */
public interface Engine extends AutoCloseable {
    ModelConfig model();

    EngineOptions options();

    /** Bytes per element of the KV cache. */
    int kvBytesPerElement();

    /** Runs one step; blocks until its next tokens are on the host. */
    StepResult step(StepBatch batch);

    @Override
    void close();
}
