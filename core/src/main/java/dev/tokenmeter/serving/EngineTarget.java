package dev.tokenmeter.serving;

import dev.tokenmeter.engine.Engine;
import java.util.List;
import java.util.Objects;

/**
 * tokenmeter's engine in this process as a serving target: {@link ServingLoop} over a {@link ContinuousBatcher},
 * first come first served, on the host's clock.
 */
public final class EngineTarget implements ServingTarget {
    private final Engine engine;
    private final ContinuousBatcher.Config config;

    public EngineTarget(Engine engine, ContinuousBatcher.Config config) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public ServingLoop.Outcome openLoop(List<Arrival> arrivals, long seed, long maxNanos,
            ServingLoop.StepListener listener) {
        return ServingLoop.openLoop(engine, arrivals, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingLoop.systemClock(), seed, maxNanos, listener);
    }

    @Override
    public ServingLoop.Outcome closedLoop(List<Arrival> requests, int concurrency, long seed, long maxNanos,
            ServingLoop.StepListener listener) {
        return ServingLoop.closedLoop(engine, requests, concurrency, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingLoop.systemClock(), seed, maxNanos, listener);
    }
}
