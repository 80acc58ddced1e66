package dev.tokenmeter.scenario.serving;

import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.endpoint.Endpoint;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.scenario.RunBuilder;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.WarmUp;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.load.TraceArrivals;
import dev.tokenmeter.serving.metrics.SloSearch;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The serving scenario ({@code tokenmeter serve}), so that it can be repeated: how the load is offered, the
 * lengths, the SLOs and the scheduler's limits. Checked when made: each field out of range is refused naming it
 * ({@link InvalidFieldException}), and the fields of a mode are given exactly when that mode is.
 *
 * @param mode               how the load is offered
 * @param rates              offered rates, requests/s, for {@link ServingMode#RATE}; empty otherwise
 * @param burstiness         gamma shape of the inter-arrival times of a rate sweep (1: Poisson)
 * @param concurrencies      requests in flight, for {@link ServingMode#CONCURRENCY}; empty otherwise
 * @param trace              the trace's name (its file name), for {@link ServingMode#TRACE}; null otherwise
 * @param traceArrivals      the trace's requests as read, before scaling; null where a result written before
 *                           they were recorded holds none (such a spec cannot be run again)
 * @param traceScale         factor on the trace's times
 * @param searchLow          lower end of the searched rates, requests/s ({@link ServingMode#SEARCH}; 0 otherwise)
 * @param searchHigh         upper end of the searched rates, requests/s ({@link ServingMode#SEARCH}; 0 otherwise)
 * @param searchTolerance    the bracket width, relative to its lower end, that ends a search, in (0, 1)
 *                           ({@link ServingMode#SEARCH}, where 0 stands for {@link SloSearch#DEFAULT_TOLERANCE}, as
 *                           in a result written before it was recorded; 0 otherwise)
 * @param searchProbes       the most rates a search measures, at least 2 ({@link ServingMode#SEARCH}, where 0 stands
 *                           for {@link SloSearch#DEFAULT_MAX_PROBES}; 0 otherwise)
 * @param requests           requests per point (a trace brings its own)
 * @param promptLength       prompt tokens per request
 * @param outputLength       output tokens per request
 * @param slo                the SLOs each point is held to, or null (a search needs them)
 * @param maxSequences       sequences running at once
 * @param maxTokensPerStep   token budget of one step; 0 for the device's default (a result records the one used)
 * @param kvBlockSize        positions per KV-cache block
 * @param kvBlocks           KV-cache blocks; 0 for enough to hold every running sequence at full length
 * @param warmupRequests     requests served before the points are measured, at least: the warm-up goes on until
 *                           the engine's step time is steady ({@link WarmUp})
 * @param warmupMaxSeconds   how long the warm-up may go on after its first {@code warmupRequests}, seconds; 0 for
 *                           no more than those (the fixed warm-up of results written before this field existed)
 * @param maxDurationSeconds time limit of one point
 * @param repeat             times each point is measured, its runs kept: from 2, {@code compare} tests the points'
 *                           metrics over runs; 0 (a result written before this field existed) reads as 1
 * @param targets            what the requests are sent to, in order: the engine in this process, an endpoint, or
 *                           both (each point measured on each, side by side); none (a result written before this
 *                           field existed) reads as the engine in this process. The engine's fields above
 *                           ({@code maxSequences} to {@code kvBlocks}) apply to the engine in this process only
 */
@JsonTypeName(ServingScenario.NAME)
public record ServingSpec(ServingMode mode, List<Double> rates, double burstiness, List<Integer> concurrencies,
        String trace, List<Arrival> traceArrivals, double traceScale, double searchLow, double searchHigh,
        double searchTolerance, int searchProbes, int requests, LengthDistribution promptLength,
        LengthDistribution outputLength, SloSet slo, int maxSequences, int maxTokensPerStep, int kvBlockSize,
        int kvBlocks, int warmupRequests, double warmupMaxSeconds, double maxDurationSeconds, int repeat,
        List<TargetSpec> targets) implements ScenarioSpec {
    /** The warm-up's time limit where none is given, seconds. */
    public static final double DEFAULT_WARMUP_MAX_SECONDS = 60;

    public ServingSpec {
        if (mode == null) {
            throw new InvalidFieldException("mode", "is needed: rates, concurrencies, a trace or a search");
        }
        rates = rates == null ? List.of() : List.copyOf(rates);
        concurrencies = concurrencies == null ? List.of() : List.copyOf(concurrencies);
        traceArrivals = traceArrivals == null ? null : List.copyOf(traceArrivals);
        onlyFor(mode, ServingMode.RATE, "rates", !rates.isEmpty());
        onlyFor(mode, ServingMode.CONCURRENCY, "concurrencies", !concurrencies.isEmpty());
        onlyFor(mode, ServingMode.TRACE, "trace", trace != null);
        onlyFor(mode, ServingMode.SEARCH, "searchLow", searchLow != 0 || searchHigh != 0);
        if (!(burstiness > 0) || Double.isInfinite(burstiness)) {
            throw new InvalidFieldException("burstiness", "must be a finite number > 0 (the gamma shape: 1 is"
                    + " Poisson), got " + burstiness);
        }
        for (double r : rates) {
            InvalidFieldException.positive("rates", r, "requests/s");
        }
        for (int c : concurrencies) {
            InvalidFieldException.positive("concurrencies", c);
        }
        if (traceArrivals != null && traceArrivals.isEmpty()) {
            throw new InvalidFieldException("traceArrivals", "holds no request");
        }
        if (!(traceScale > 0) || Double.isInfinite(traceScale)) {
            throw new InvalidFieldException("traceScale", "must be a finite factor > 0, got " + traceScale);
        }
        if (mode == ServingMode.SEARCH) {
            if (!(searchLow > 0 && searchHigh > searchLow && Double.isFinite(searchHigh))) {
                throw new InvalidFieldException("searchLow", "and searchHigh must be 0 < low < high requests/s, got "
                        + searchLow + " and " + searchHigh);
            }
            if (slo == null) {
                throw new InvalidFieldException("slo", "is needed by a search: the SLOs the rate must meet");
            }
            searchTolerance = searchTolerance == 0 ? SloSearch.DEFAULT_TOLERANCE : searchTolerance;
            searchProbes = searchProbes == 0 ? SloSearch.DEFAULT_MAX_PROBES : searchProbes;
            if (!(searchTolerance > 0 && searchTolerance < 1)) {
                throw new InvalidFieldException("searchTolerance", "must be a fraction in (0, 1) (0.05 = 5%), got "
                        + searchTolerance);
            }
            if (searchProbes < 2) {
                throw new InvalidFieldException("searchProbes", "must be >= 2 (the two ends of the range), got "
                        + searchProbes);
            }
        } else if (searchTolerance != 0 || searchProbes != 0) {
            throw new InvalidFieldException(searchTolerance != 0 ? "searchTolerance" : "searchProbes",
                    "applies to mode " + ServingMode.SEARCH.label() + " only, not " + mode.label());
        }
        InvalidFieldException.positive("requests", requests);
        if (promptLength == null) {
            throw new InvalidFieldException("promptLength", "is needed");
        }
        if (outputLength == null) {
            throw new InvalidFieldException("outputLength", "is needed");
        }
        InvalidFieldException.positive("maxSequences", maxSequences);
        InvalidFieldException.atLeastZero("maxTokensPerStep", maxTokensPerStep, "the device's default");
        InvalidFieldException.positive("kvBlockSize", kvBlockSize);
        InvalidFieldException.atLeastZero("kvBlocks", kvBlocks, "every running sequence at full length");
        InvalidFieldException.atLeastZero("warmupRequests", warmupRequests, "none");
        if (!(warmupMaxSeconds >= 0) || Double.isInfinite(warmupMaxSeconds)) {
            throw new InvalidFieldException("warmupMaxSeconds", "must be a finite number of seconds >= 0 (0: the"
                    + " warm-up's first round alone), got " + warmupMaxSeconds);
        }
        InvalidFieldException.positive("maxDurationSeconds", maxDurationSeconds, "seconds");
        InvalidFieldException.atLeastZero("repeat", repeat, "once");
        repeat = Math.max(1, repeat);
        targets = targets == null || targets.isEmpty() ? List.of(new TargetSpec.InProcess()) : List.copyOf(targets);
        if (targets.stream().map(TargetSpec::label).distinct().count() != targets.size()) {
            throw new InvalidFieldException("targets", "names each target once: the engine in this process, an"
                    + " endpoint, or one of each; got " + targets.stream().map(TargetSpec::describe).toList());
        }
    }

    /** A spec of the engine in this process alone. */
    public ServingSpec(ServingMode mode, List<Double> rates, double burstiness, List<Integer> concurrencies,
            String trace, List<Arrival> traceArrivals, double traceScale, double searchLow, double searchHigh,
            double searchTolerance, int searchProbes, int requests, LengthDistribution promptLength,
            LengthDistribution outputLength, SloSet slo, int maxSequences, int maxTokensPerStep, int kvBlockSize,
            int kvBlocks, int warmupRequests, double warmupMaxSeconds, double maxDurationSeconds, int repeat) {
        this(mode, rates, burstiness, concurrencies, trace, traceArrivals, traceScale, searchLow, searchHigh,
                searchTolerance, searchProbes, requests, promptLength, outputLength, slo, maxSequences,
                maxTokensPerStep, kvBlockSize, kvBlocks, warmupRequests, warmupMaxSeconds, maxDurationSeconds, repeat,
                null);
    }

    /**
     * A spec of the shape older callers know: a search, if any, stops at the default tolerance and probe cap; the
     * warm-up is its first round alone; each point is measured once.
     */
    public ServingSpec(ServingMode mode, List<Double> rates, double burstiness, List<Integer> concurrencies,
            String trace, List<Arrival> traceArrivals, double traceScale, double searchLow, double searchHigh,
            int requests, LengthDistribution promptLength, LengthDistribution outputLength, SloSet slo,
            int maxSequences, int maxTokensPerStep, int kvBlockSize, int kvBlocks, int warmupRequests,
            double maxDurationSeconds) {
        this(mode, rates, burstiness, concurrencies, trace, traceArrivals, traceScale, searchLow, searchHigh, 0, 0,
                requests, promptLength, outputLength, slo, maxSequences, maxTokensPerStep, kvBlockSize, kvBlocks,
                warmupRequests, 0, maxDurationSeconds, 1);
    }

    /** Refuses a mode's field given in another mode, or missing in its own. */
    private static void onlyFor(ServingMode mode, ServingMode owner, String field, boolean given) {
        if (given && mode != owner) {
            throw new InvalidFieldException(field, "applies to mode " + owner.label() + " only, not " + mode.label());
        }
        if (!given && mode == owner) {
            throw new InvalidFieldException(field, "is needed by mode " + owner.label());
        }
    }

    @Override
    public ServingScenario type() {
        return ServingScenario.TYPE;
    }

    @Override
    public void checkFits(ModelConfig model) {
        model.checkSequenceLength(maxPrompt(), maxOutput());
    }

    /** The longest prompt a request can have, tokens. */
    public int maxPrompt() {
        return traceArrivals == null ? promptLength.max()
                : traceArrivals.stream().mapToInt(Arrival::promptLength).max().orElse(1);
    }

    /** The longest output a request can have, tokens. */
    public int maxOutput() {
        return traceArrivals == null ? outputLength.max()
                : traceArrivals.stream().mapToInt(Arrival::outputLength).max().orElse(1);
    }

    /** The trace's arrivals at their scaled times; refused where the spec records none. */
    public List<Arrival> scaledTrace() {
        if (traceArrivals == null) {
            throw new IllegalArgumentException("this spec records trace " + trace + " by name only (a result of an"
                    + " older tokenmeter); give the trace file again");
        }
        return TraceArrivals.scaled(traceArrivals, traceScale);
    }

    /** The KV-cache blocks the run uses: {@code kvBlocks}, or enough for every sequence at full length. */
    public int blocks() {
        return kvBlocks > 0 ? kvBlocks : maxSequences * ((maxPrompt() + maxOutput() + kvBlockSize - 1) / kvBlockSize);
    }

    /** This spec with the step budget and KV blocks it runs with. */
    ServingSpec resolved(int stepTokens) {
        return new ServingSpec(mode, rates, burstiness, concurrencies, trace, traceArrivals, traceScale, searchLow,
                searchHigh, searchTolerance, searchProbes, requests, promptLength, outputLength, slo, maxSequences,
                maxTokensPerStep > 0 ? maxTokensPerStep : stepTokens, kvBlockSize, blocks(), warmupRequests,
                warmupMaxSeconds, maxDurationSeconds, repeat, targets);
    }

    /** Whether a target is the engine in this process (the run loads one). */
    public boolean inProcess() {
        return targets.stream().anyMatch(t -> t instanceof TargetSpec.InProcess);
    }

    /** The endpoint the spec sends requests to, or null where it has none. */
    public TargetSpec.OfEndpoint endpoint() {
        return targets.stream().filter(t -> t instanceof TargetSpec.OfEndpoint).map(TargetSpec.OfEndpoint.class::cast)
                .findFirst().orElse(null);
    }

    /**
     * Builds a serving run with {@code serve}'s defaults: 200 requests per point of 128 prompt and 32 output
     * tokens, 64 sequences at once, blocks of 16 positions, at least 8 warm-up requests and then until the step
     * time is steady (60 s at most), 600 s per point, each point measured once. Exactly one of
     * {@link #rates}, {@link #concurrencies}, {@link #trace} and {@link #search} says how the load is offered.
     *
     * <pre>{@code
     * Result r = Benchmark.serving().model("llama-110m").rates(1, 2, 4).requests(100)
     *         .promptLengths(LengthDistribution.uniform(64, 256)).outputLengths(LengthDistribution.fixed(32))
     *         .slo(SloSet.parse("ttft=2s,tpot=100ms")).run();
     * boolean met = r.points(ServingPoint.class).get(0).passes();
     * }</pre>
     */
    public static final class Builder extends RunBuilder<Builder> {
        /** The modes asked for; a set, so that giving a mode's values again replaces them. */
        private final Set<ServingMode> modes = EnumSet.noneOf(ServingMode.class);
        private List<Double> rates;
        private double burstiness = 1;
        private List<Integer> concurrencies;
        private String trace;
        private List<Arrival> traceArrivals;
        private double traceScale = 1;
        private double searchLow;
        private double searchHigh;
        private double searchTolerance;
        private int searchProbes;
        private int requests = 200;
        private LengthDistribution prompt = LengthDistribution.fixed(128);
        private LengthDistribution output = LengthDistribution.fixed(32);
        private SloSet slo;
        private int maxSequences = 64;
        private int maxTokensPerStep;
        private int kvBlockSize = EngineOptions.DEFAULT_BLOCK_SIZE;
        private int kvBlocks;
        private int warmupRequests = 8;
        private double warmupMaxSeconds = DEFAULT_WARMUP_MAX_SECONDS;
        private double maxDurationSeconds = 600;
        private int repeat = 1;
        private final List<TargetSpec> targets = new ArrayList<>();

        public Builder() {
        }

        /**
         * Sends the requests to {@code value} instead of the engine in this process; with {@link #alsoInProcess},
         * to both, each point measured on each, side by side.
         */
        public Builder endpoint(Endpoint value) {
            targets.removeIf(t -> t instanceof TargetSpec.OfEndpoint);
            targets.add(new TargetSpec.OfEndpoint(Objects.requireNonNull(value, "endpoint")));
            return this;
        }

        /**
         * Measures each point on the engine in this process too, before the endpoint's (the default where no
         * endpoint is given): the same workload both ways, in one result.
         */
        public Builder alsoInProcess() {
            if (targets.stream().noneMatch(t -> t instanceof TargetSpec.InProcess)) {
                targets.add(0, new TargetSpec.InProcess());
            }
            return this;
        }

        /** Open loop: one point per rate, requests per second, arrivals Poisson or gamma ({@link #burstiness}). */
        public Builder rates(double... values) {
            List<Double> list = new ArrayList<>();
            for (double v : values) {
                list.add(v);
            }
            return rates(list);
        }

        public Builder rates(List<Double> values) {
            modes.add(ServingMode.RATE);
            this.rates = values;
            return this;
        }

        /** Gamma shape of the inter-arrival times: 1 (the default) Poisson, below 1 burstier, above more regular. */
        public Builder burstiness(double value) {
            this.burstiness = value;
            return this;
        }

        /** Closed loop: one point per concurrency, a new request as each one finishes. */
        public Builder concurrencies(int... values) {
            List<Integer> list = new ArrayList<>();
            for (int v : values) {
                list.add(v);
            }
            return concurrencies(list);
        }

        public Builder concurrencies(List<Integer> values) {
            modes.add(ServingMode.CONCURRENCY);
            this.concurrencies = values;
            return this;
        }

        /**
         * Replays {@code arrivals} (times and lengths, as {@link TraceArrivals#read} gives them) with every time
         * multiplied by {@code scale}; {@code name} labels the point ("trace NAME").
         */
        public Builder trace(String name, List<Arrival> arrivals, double scale) {
            modes.add(ServingMode.TRACE);
            this.trace = Objects.requireNonNull(name, "name");
            this.traceArrivals = Objects.requireNonNull(arrivals, "arrivals");
            this.traceScale = scale;
            return this;
        }

        /** The highest Poisson rate in [low, high] requests/s that meets the {@link #slo SLOs}, by bisection. */
        public Builder search(double low, double high) {
            modes.add(ServingMode.SEARCH);
            this.searchLow = low;
            this.searchHigh = high;
            return this;
        }

        /**
         * Where a {@link #search} stops: when its bracket is within {@code relativeTolerance} of its lower end (0.05,
         * the default, is 5%), or when it has measured {@code maxProbes} rates (default 16), whichever comes first.
         */
        public Builder searchLimits(double relativeTolerance, int maxProbes) {
            this.searchTolerance = relativeTolerance;
            this.searchProbes = maxProbes;
            return this;
        }

        /** Requests per point (default 200; a trace brings its own). */
        public Builder requests(int value) {
            this.requests = value;
            return this;
        }

        /** Prompt tokens per request (default 128). */
        public Builder promptLengths(LengthDistribution value) {
            this.prompt = value;
            return this;
        }

        /** Output tokens per request (default 32). */
        public Builder outputLengths(LengthDistribution value) {
            this.output = value;
            return this;
        }

        /** The SLOs each point is held to (goodput, "SLO met"); needed by {@link #search}. */
        public Builder slo(SloSet value) {
            this.slo = value;
            return this;
        }

        /** Sequences running at once (default 64). */
        public Builder maxSequences(int value) {
            this.maxSequences = value;
            return this;
        }

        /** Token budget of one step; 0 (the default) for 2048 on a GPU, 256 on the CPU. */
        public Builder maxTokensPerStep(int value) {
            this.maxTokensPerStep = value;
            return this;
        }

        /** Positions per KV-cache block (default 16). */
        public Builder kvBlockSize(int value) {
            this.kvBlockSize = value;
            return this;
        }

        /** KV-cache blocks; 0 (the default) holds every running sequence at full length, fewer forces preemption. */
        public Builder kvBlocks(int value) {
            this.kvBlocks = value;
            return this;
        }

        /**
         * Requests served before the points, at least (default 8), at the workload's lengths (a trace's first
         * request's); more follow until the engine's step time is steady ({@link #warmupMaxSeconds}); on a GPU
         * they are followed by a ramp through every decode batch size. 0 skips all of it.
         */
        public Builder warmupRequests(int value) {
            this.warmupRequests = value;
            return this;
        }

        /**
         * How long the warm-up may go on after its {@link #warmupRequests} while the step time is not yet steady,
         * seconds (default {@value ServingSpec#DEFAULT_WARMUP_MAX_SECONDS}); 0 for the warm-up requests alone.
         */
        public Builder warmupMaxSeconds(double value) {
            this.warmupMaxSeconds = value;
            return this;
        }

        /**
         * Times each point is measured on the same workload, every run kept (default 1); from 2, {@code compare}
         * tests each metric over the runs, and a point's verdict is that of most of its runs.
         */
        public Builder repeat(int value) {
            this.repeat = value;
            return this;
        }

        /** Time limit of one point, seconds (default 600); requests left are reported unfinished. */
        public Builder maxDurationSeconds(double value) {
            this.maxDurationSeconds = value;
            return this;
        }

        @Override
        protected ServingSpec scenario() {
            if (repeat < 1) {
                throw new InvalidFieldException("repeat", "must be >= 1 (times each point is measured), got "
                        + repeat);
            }
            if (modes.size() != 1) {
                throw new InvalidFieldException("mode", modes.isEmpty()
                        ? "is needed: give rates, concurrencies, a trace or a search"
                        : "must be one of rates, concurrencies, a trace and a search; got " + modes);
            }
            return new ServingSpec(modes.iterator().next(), rates, burstiness, concurrencies, trace, traceArrivals,
                    traceScale, searchLow, searchHigh, searchTolerance, searchProbes, requests, prompt, output, slo,
                    maxSequences, maxTokensPerStep, kvBlockSize, kvBlocks, warmupRequests, warmupMaxSeconds,
                    maxDurationSeconds, repeat, targets);
        }
    }
}
