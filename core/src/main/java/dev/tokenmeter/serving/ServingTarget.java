package dev.tokenmeter.serving;

import java.util.List;

/**
 * What a serving workload runs against: tokenmeter's engine in this process ({@link EngineTarget}), or a server
 * behind an OpenAI-compatible endpoint ({@code dev.tokenmeter.endpoint}). Both take the same workload and hand back
 * the same {@link RequestRecord}s, from which every serving figure is computed; latencies count from each request's
 * scheduled arrival.
 */
public interface ServingTarget extends AutoCloseable {
    /**
     * Open loop: each request is issued at its scheduled time, whatever the target is doing.
     *
     * @param arrivals the workload, in arrival order
     * @param seed     the synthetic prompts' seed (request id = arrival id)
     * @param maxNanos time after which no new work starts (Long.MAX_VALUE: none); what is left is unfinished
     * @param listener progress, may be null
     */
    ServingLoop.Outcome openLoop(List<Arrival> arrivals, long seed, long maxNanos, ServingLoop.StepListener listener);

    /**
     * Closed loop: {@code concurrency} requests at first; each completion issues the next at once (its clock starts
     * then).
     */
    ServingLoop.Outcome closedLoop(List<Arrival> requests, int concurrency, long seed, long maxNanos,
            ServingLoop.StepListener listener);

    /** Frees what the target holds (connections, threads); the engine of an {@link EngineTarget} stays open. */
    @Override
    default void close() {
    }
}
