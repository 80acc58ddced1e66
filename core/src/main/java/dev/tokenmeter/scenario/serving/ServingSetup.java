package dev.tokenmeter.scenario.serving;

import static dev.tokenmeter.scenario.serving.ServingScenario.serving;

import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.SetupField;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What two serving results must share for their points to be the same workload: what shapes the load (lengths,
 * request count, arrival process, seed, SLOs) and the scheduler (sequences, step budget, KV cache), each with the
 * {@code serve} option that sets it and the modes that use it (a field a mode ignores, such as the lengths of a
 * replayed trace, may differ freely). The rates or concurrencies swept may differ: points are matched. So may the
 * search's bracket, the warm-up, the time limit per point, thread counts and tokenmeter versions.
 */
final class ServingSetup {
    private static final Predicate<RunSpec> ALL = s -> true;
    /** The scheduler's fields are the engine's in this process; an endpoint's server has its own. */
    private static final Predicate<RunSpec> IN_PROCESS = s -> serving(s).inProcess();
    /** Modes whose requests the seed draws (all but a trace, which brings its own). */
    private static final Predicate<RunSpec> GENERATED = s -> serving(s).mode() != ServingMode.TRACE;

    static final List<SetupField> FIELDS = List.of(
            field("mode", null, s -> s.mode().label(), ALL),
            // The search always offers Poisson arrivals; only a rate sweep uses --burstiness.
            field("burstiness", "--burstiness", ServingSpec::burstiness, mode(ServingMode.RATE)),
            field("trace", "--trace", ServingSpec::trace, mode(ServingMode.TRACE)),
            field("traceScale", "--trace-scale", ServingSpec::traceScale, mode(ServingMode.TRACE)),
            field("requests", "--requests", ServingSpec::requests, GENERATED),
            field("promptLength", "--prompt-len", s -> s.promptLength().describe(), GENERATED),
            field("outputLength", "--gen", s -> s.outputLength().describe(), GENERATED),
            field("slo", "--slo", s -> s.slo() == null ? null : s.slo().describe(), ALL),
            field("maxSequences", "--max-seqs", ServingSpec::maxSequences, IN_PROCESS),
            field("maxTokensPerStep", "--max-batch-tokens", ServingSpec::maxTokensPerStep, IN_PROCESS),
            field("kvBlockSize", "--kv-block-size", ServingSpec::kvBlockSize, IN_PROCESS),
            field("kvBlocks", "--kv-blocks", ServingSpec::kvBlocks, IN_PROCESS),
            new SetupField("seed", "--seed: the arrivals and lengths", RunSpec::seed, GENERATED));

    private ServingSetup() {
    }

    private static SetupField field(String name, String option, Function<ServingSpec, Object> value,
            Predicate<RunSpec> applies) {
        return new SetupField("serving " + name, option, s -> value.apply(serving(s)), applies);
    }

    private static Predicate<RunSpec> mode(ServingMode mode) {
        return s -> serving(s).mode() == mode;
    }
}
