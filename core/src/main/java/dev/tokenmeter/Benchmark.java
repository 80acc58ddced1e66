package dev.tokenmeter;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.ScenarioRunner;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.ServingSpec;

/**
 * The library's front door: a builder per scenario, and one runner for any spec.
 *
 * <pre>{@code
 * Result offline = Benchmark.offline().model("llama-110m").batchSizes(1, 8).promptLengths(128).run();
 * Result serving = Benchmark.serving().model("llama-110m").rates(1, 2, 4).slo(SloSet.parse("ttft=2s")).run();
 * RunSpec spec = Benchmark.offline().model("tiny").spec();          // validated, immutable
 * Result again = Benchmark.run(spec, RunListener.NONE);             // any scenario's spec
 * }</pre>
 */
public final class Benchmark {
    private Benchmark() {
    }

    /** Static batches: each batch size × prompt length × output length measured in repeated trials. */
    public static OfflineSpec.Builder offline() {
        return new OfflineSpec.Builder();
    }

    /** Requests arriving over time, served by continuous batching: a rate sweep, a closed loop, a trace, a search. */
    public static ServingSpec.Builder serving() {
        return new ServingSpec.Builder();
    }

    /** Runs {@code spec} on its backend (or "auto"), opened and closed here. */
    public static Result run(RunSpec spec, RunListener listener) {
        return ScenarioRunner.run(spec, listener);
    }

    /** Runs {@code spec} on a backend the caller opened and keeps open. */
    public static Result run(RunSpec spec, Backend backend, RunListener listener) {
        return ScenarioRunner.run(spec, backend, listener);
    }
}
