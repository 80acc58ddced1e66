package dev.tokenmeter.cuda;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;

/** The engine as users get it: each step first makes the backend's context current on the calling thread. */
final class ThreadCheckedEngine implements Engine {
    private final CudaBackend backend;
    private final CudaEngine engine;

    ThreadCheckedEngine(CudaBackend backend, CudaEngine engine) {
        this.backend = backend;
        this.engine = engine;
    }

    CudaEngine unwrap() {
        return engine;
    }

    @Override
    public ModelConfig model() {
        return engine.model();
    }

    @Override
    public EngineOptions options() {
        return engine.options();
    }

    @Override
    public int kvBytesPerElement() {
        return engine.kvBytesPerElement();
    }

    @Override
    public StepResult step(StepBatch batch) {
        backend.current();
        return engine.step(batch);
    }

    @Override
    public void close() {
        engine.close();
    }
}
