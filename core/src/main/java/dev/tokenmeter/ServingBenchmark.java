package dev.tokenmeter;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.ServingSpec;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingRun;
import dev.tokenmeter.serving.load.ArrivalProcess;
import dev.tokenmeter.serving.load.ClosedLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.load.TraceArrivals;
import dev.tokenmeter.serving.metrics.ServingPoint;
import dev.tokenmeter.serving.metrics.SloSearch;
import dev.tokenmeter.serving.metrics.SloSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The library's front door for the serving scenario (what {@code tokenmeter serve} runs): requests arriving at a
 * rate, in a closed loop or from a trace, served by continuous batching over a paged KV cache, one result point
 * per offered load; or the search for the highest rate that meets the SLOs. A builder with the command line's
 * defaults; exactly one of {@link #rates}, {@link #concurrencies}, {@link #trace} and {@link #search} says how the
 * load is offered.
 *
 * <pre>{@code
 * Result r = ServingBenchmark.builder().model("llama-110m").rates(1, 2, 4).requests(100)
 *         .promptLengths(LengthDistribution.uniform(64, 256)).outputLengths(LengthDistribution.fixed(32))
 *         .slo(SloSet.parse("ttft=2s,tpot=100ms")).run();
 * boolean met = r.servingPoints().get(0).passes();
 * }</pre>
 */
public final class ServingBenchmark {
    /** The step budget where none is given: large enough on a GPU, small enough that a CPU keeps decoding. */
    public static final int GPU_STEP_TOKENS = 2048;
    public static final int CPU_STEP_TOKENS = 256;

    /** What a run tells as it goes; every method has an empty default. Calls come on the running thread. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        /**
         * The device is open and the engine loaded; nothing is measured yet.
         *
         * @param spec        what the result will record as its spec
         * @param environment the device and host it runs on
         * @param backend     the backend's name ("cpu", "cuda")
         */
        default void started(RunSpec spec, Environment environment, String backend) {
        }

        /** A point is measured (also each probe of a search). */
        default void pointFinished(ServingPointResult point) {
        }

        /** After each engine step of the point called {@code label}: for progress on long points. */
        default void afterStep(String label, long steps, int finished, int total, long nowNanos) {
        }
    }

    private ModelConfig model;
    private String backend = Backends.AUTO;
    private long seed = 42;
    private int threads;
    private List<Double> rates;
    private double burstiness = 1;
    private List<Integer> concurrencies;
    private String traceName;
    private List<Arrival> trace;
    private double traceScale = 1;
    private double[] search;
    private int requests = 200;
    private LengthDistribution prompt = LengthDistribution.fixed(128);
    private LengthDistribution output = LengthDistribution.fixed(32);
    private SloSet slos;
    private int maxSequences = 64;
    private int maxBatchTokens;
    private int kvBlockSize = EngineOptions.DEFAULT_BLOCK_SIZE;
    private int kvBlocks;
    private int warmupRequests = 8;
    private double maxDurationSeconds = 600;
    private Price price;
    private Listener listener = Listener.NONE;

    private ServingBenchmark() {
    }

    public static ServingBenchmark builder() {
        return new ServingBenchmark();
    }

    /** A preset name ("llama-3.1-8b") or the path of a Hugging Face config.json. */
    public ServingBenchmark model(String presetOrPath) {
        this.model = ModelConfigs.resolve(presetOrPath);
        return this;
    }

    public ServingBenchmark model(ModelConfig config) {
        this.model = config;
        return this;
    }

    /** "auto" (the default: a usable GPU that runs the model, else the CPU), "cpu", "cuda". */
    public ServingBenchmark backend(String name) {
        this.backend = name;
        return this;
    }

    /** Seed of the weights, the prompts, the arrivals and the lengths (default 42). */
    public ServingBenchmark seed(long value) {
        this.seed = value;
        return this;
    }

    /** CPU worker threads; 0 (the default) uses every core. */
    public ServingBenchmark threads(int value) {
        this.threads = value;
        return this;
    }

    /** Open loop: one point per rate, requests per second, arrivals Poisson or gamma ({@link #burstiness}). */
    public ServingBenchmark rates(double... values) {
        List<Double> list = new ArrayList<>();
        for (double v : values) {
            list.add(v);
        }
        this.rates = list;
        return this;
    }

    /** Gamma shape of the inter-arrival times: 1 (the default) Poisson, below 1 burstier, above more regular. */
    public ServingBenchmark burstiness(double value) {
        this.burstiness = value;
        return this;
    }

    /** Closed loop: one point per concurrency, a new request as each one finishes. */
    public ServingBenchmark concurrencies(int... values) {
        List<Integer> list = new ArrayList<>();
        for (int v : values) {
            list.add(v);
        }
        this.concurrencies = list;
        return this;
    }

    /**
     * Replays {@code arrivals} (times and lengths, as {@link TraceArrivals#read} gives them) with every time
     * multiplied by {@code scale}; {@code name} labels the point ("trace NAME").
     */
    public ServingBenchmark trace(String name, List<Arrival> arrivals, double scale) {
        this.traceName = Objects.requireNonNull(name, "name");
        this.trace = List.copyOf(arrivals);
        this.traceScale = scale;
        return this;
    }

    /** The highest Poisson rate in [low, high] requests/s that meets the {@link #slo SLOs}, by bisection. */
    public ServingBenchmark search(double low, double high) {
        this.search = new double[] {low, high};
        return this;
    }

    /** Requests per point (default 200; a trace brings its own). */
    public ServingBenchmark requests(int value) {
        this.requests = value;
        return this;
    }

    /** Prompt tokens per request (default 128). */
    public ServingBenchmark promptLengths(LengthDistribution value) {
        this.prompt = Objects.requireNonNull(value, "prompt lengths");
        return this;
    }

    /** Output tokens per request (default 32). */
    public ServingBenchmark outputLengths(LengthDistribution value) {
        this.output = Objects.requireNonNull(value, "output lengths");
        return this;
    }

    /** The SLOs each point is held to (goodput, "SLO met"); needed by {@link #search}. */
    public ServingBenchmark slo(SloSet value) {
        this.slos = value;
        return this;
    }

    /** Sequences running at once (default 64). */
    public ServingBenchmark maxSequences(int value) {
        this.maxSequences = value;
        return this;
    }

    /**
     * Token budget of one step; 0 (the default) for {@value #GPU_STEP_TOKENS} on a GPU, {@value #CPU_STEP_TOKENS}
     * on the CPU.
     */
    public ServingBenchmark maxBatchTokens(int value) {
        this.maxBatchTokens = value;
        return this;
    }

    /** Positions per KV-cache block (default 16). */
    public ServingBenchmark kvBlockSize(int value) {
        this.kvBlockSize = value;
        return this;
    }

    /** KV-cache blocks; 0 (the default) holds every running sequence at full length, fewer forces preemption. */
    public ServingBenchmark kvBlocks(int value) {
        this.kvBlocks = value;
        return this;
    }

    /**
     * Requests served before the points (default 8), at the workload's lengths (a trace's first request's); on a
     * GPU they are followed by a ramp through every decode batch size ({@link ServingRun#batchSizeRamp}). 0 skips
     * both.
     */
    public ServingBenchmark warmupRequests(int value) {
        this.warmupRequests = value;
        return this;
    }

    /** Time limit of one point, seconds (default 600); requests left are reported unfinished. */
    public ServingBenchmark maxDurationSeconds(double value) {
        this.maxDurationSeconds = value;
        return this;
    }

    /** The price per device-hour; left unset, the device's preset is used (when one matches). */
    public ServingBenchmark price(Price value) {
        this.price = value;
        return this;
    }

    public ServingBenchmark listener(Listener value) {
        this.listener = Objects.requireNonNull(value, "listener");
        return this;
    }

    /** How the load is offered: the {@code ServingPointResult} mode constant. */
    private String mode() {
        int modes = (rates != null ? 1 : 0) + (concurrencies != null ? 1 : 0) + (trace != null ? 1 : 0)
                + (search != null ? 1 : 0);
        if (modes != 1) {
            throw new IllegalArgumentException("give exactly one of rates, concurrencies, a trace and a search");
        }
        return rates != null ? ServingPointResult.RATE : concurrencies != null ? ServingPointResult.CONCURRENCY
                : trace != null ? ServingPointResult.TRACE : ServingPointResult.SEARCH;
    }

    private void check() {
        if (model == null) {
            throw new IllegalArgumentException("model: give a preset name or a config.json path");
        }
        positive("requests", requests);
        positive("maxSequences", maxSequences);
        positive("kvBlockSize", kvBlockSize);
        atLeastZero("maxBatchTokens", maxBatchTokens);
        atLeastZero("kvBlocks", kvBlocks);
        atLeastZero("warmupRequests", warmupRequests);
        atLeastZero("threads", threads);
        if (!(maxDurationSeconds > 0) || Double.isInfinite(maxDurationSeconds)) {
            throw new IllegalArgumentException("maxDurationSeconds must be a number of seconds > 0, got "
                    + maxDurationSeconds);
        }
        if (rates != null) {
            for (double r : rates) {
                ArrivalProcess.gamma(r, burstiness);  // checks the rate and the burstiness
            }
        }
        if (concurrencies != null) {
            for (int c : concurrencies) {
                positive("concurrency", c);
            }
        }
        if (search != null && !(search[0] > 0 && search[1] > search[0] && Double.isFinite(search[1]))) {
            throw new IllegalArgumentException("a search needs 0 < low < high requests/s, got " + search[0] + " and "
                    + search[1]);
        }
        if (search != null && slos == null) {
            throw new IllegalArgumentException("a search needs SLOs: the SLOs the rate must meet");
        }
        if (trace != null && trace.isEmpty()) {
            throw new IllegalArgumentException("the trace holds no request");
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    private static void atLeastZero(String name, int v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
    }

    /**
     * Runs every point on the chosen backend and returns the result. Everything is checked before a device is
     * opened. A failure propagates; the points measured before it were given to the listener.
     */
    public Result run() {
        String mode = mode();
        check();
        List<Arrival> traced = trace == null ? null : TraceArrivals.scaled(trace, traceScale);
        int maxPrompt = traced == null ? prompt.max() : traced.stream().mapToInt(Arrival::promptLength).max()
                .orElse(1);
        int maxOutput = traced == null ? output.max() : traced.stream().mapToInt(Arrival::outputLength).max()
                .orElse(1);
        model.checkSequenceLength(maxPrompt, maxOutput);
        int maxContext = maxPrompt + maxOutput;
        int blocks = kvBlocks > 0 ? kvBlocks : maxSequences * ((maxContext + kvBlockSize - 1) / kvBlockSize);
        EngineOptions options = EngineOptions.paged(seed, maxSequences, maxContext, kvBlockSize, blocks);

        BackendProvider provider = Backends.select(backend, model);
        boolean cpu = "cpu".equals(provider.name());
        int budget = maxBatchTokens > 0 ? maxBatchTokens : cpu ? CPU_STEP_TOKENS : GPU_STEP_TOKENS;
        ContinuousBatcher.Config config = new ContinuousBatcher.Config(budget, options);
        ServingSpec servingSpec = new ServingSpec(mode, rates, burstiness, concurrencies, traceName, traceScale,
                search == null ? 0 : search[0], search == null ? 0 : search[1], requests, prompt.describe(),
                output.describe(), slos == null ? null : slos.describe(), maxSequences, budget, kvBlockSize, blocks,
                warmupRequests, maxDurationSeconds);
        String started = Instant.now().toString();
        List<ServingPointResult> points = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try (Backend opened = provider.open(threads); Engine engine = opened.load(model, options)) {
            Price chosen = price != null ? price : PricePresets.forDevice(opened.device());
            RunSpec spec = RunSpec.serving(model, backend, seed, price, threads, servingSpec);
            Environment env = Environment.capture(opened.device());
            listener.started(spec, env, opened.name());
            String promptText = traced != null ? "trace" : prompt.describe();
            String outputText = traced != null ? "trace" : output.describe();
            Points point = (label, rate, conc, o) -> {
                ServingPointResult p = ServingPointResult.of(label, mode, rate, conc, promptText, outputText, o, slos,
                        chosen);
                points.add(p);
                listener.pointFinished(p);
                return p;
            };
            if (traced != null) {
                Arrival first = traced.get(0);
                warmUp(engine, config, LengthDistribution.fixed(first.promptLength()),
                        LengthDistribution.fixed(first.outputLength()), !cpu);
            } else {
                warmUp(engine, config, prompt, output, !cpu);
            }
            switch (mode) {
                case ServingPointResult.RATE -> {
                    for (double r : rates) {
                        String label = "rate " + trim(r);
                        List<Arrival> a = ArrivalProcess.gamma(r, burstiness).generate(requests, prompt, output, seed);
                        point.add(label, r, 0, openLoop(engine, a, config, label));
                    }
                }
                case ServingPointResult.CONCURRENCY -> {
                    for (int c : concurrencies) {
                        String label = "concurrency " + c;
                        List<Arrival> a = new ClosedLoop(c, requests, prompt, output, seed).arrivals();
                        point.add(label, Double.NaN, c, ServingRun.closedLoop(engine, a, c, config,
                                SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(), seed,
                                nanos(maxDurationSeconds), steps(label)));
                    }
                }
                case ServingPointResult.TRACE -> {
                    String label = "trace " + traceName;
                    double rate = traced.size() / Math.max(1e-9, traced.get(traced.size() - 1).atSeconds());
                    point.add(label, rate, 0, openLoop(engine, traced, config, label));
                }
                default -> warnings.add(search(engine, config, point));
            }
            return new Result(Result.SCHEMA_VERSION, Result.TOOL, Result.SERVING, started, Instant.now().toString(),
                    true, spec, env, List.of(), points, warnings);
        }
    }

    /** Records one measured point. */
    @FunctionalInterface
    private interface Points {
        ServingPointResult add(String label, double rate, int concurrency, ServingRun.Outcome outcome);
    }

    /** The search, each probe a point; returns the warning line that gives its answer. */
    private String search(Engine engine, ContinuousBatcher.Config config, Points point) {
        SloSearch.Result found = SloSearch.defaults().between(r -> {
            String label = "search " + trim(r);
            List<Arrival> a = ArrivalProcess.poisson(r).generate(requests, prompt, output, seed);
            ServingRun.Outcome o = openLoop(engine, a, config, label);
            // The probe's verdict is ServingPoint's rule (SLOs met, load not overloaded), already judged.
            return ServingPoint.verdict(r, point.add(label, r, 0, o).passes());
        }, search[0], search[1]);
        double width = found.relativeWidth();
        return String.format(Locale.ROOT, "SLO search: highest rate meeting %s: %s req/s (lowest failing: %s;"
                + " stopped: %s%s)", slos.describe(), trim(found.highestPassing()), trim(found.lowestFailing()),
                found.stop(), Double.isFinite(width) ? String.format(Locale.ROOT, "; bracket ±%.1f%%", 50 * width)
                        : "; no failing rate found, so no bracket: search higher");
    }

    private ServingRun.Outcome openLoop(Engine engine, List<Arrival> arrivals, ContinuousBatcher.Config config,
            String label) {
        return ServingRun.openLoop(engine, arrivals, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingRun.systemClock(), seed, nanos(maxDurationSeconds), steps(label));
    }

    private ServingRun.StepListener steps(String label) {
        return (steps, finished, total, now) -> listener.afterStep(label, steps, finished, total, now);
    }

    /**
     * Requests through the same engine before any point: {@link #warmupRequests} of the workload's lengths (JIT,
     * allocation), then, where {@code ramp} (a GPU), {@link ServingRun#batchSizeRamp} so that the engine meets
     * every decode batch size up to {@link #maxSequences} once (the CUDA engine captures a graph per size) and no
     * capture lands inside a measured point.
     */
    private void warmUp(Engine engine, ContinuousBatcher.Config config, LengthDistribution prompts,
            LengthDistribution outputs, boolean ramp) {
        if (warmupRequests == 0) {
            return;
        }
        int inFlight = Math.min(warmupRequests, maxSequences);
        List<Arrival> a = new ClosedLoop(inFlight, warmupRequests, prompts, outputs, seed + 1).arrivals();
        ServingRun.closedLoop(engine, a, inFlight, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingRun.systemClock(), seed + 1, Long.MAX_VALUE, null);
        if (ramp) {
            ServingRun.closedLoop(engine, ServingRun.batchSizeRamp(maxSequences, engine.options().maxContext()),
                    maxSequences, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(),
                    seed + 2, Long.MAX_VALUE, null);
        }
    }

    private static long nanos(double seconds) {
        return (long) Math.min(Long.MAX_VALUE / 2.0, seconds * 1e9);
    }

    /** A rate as labels show it: three significant digits ("2.00", "0.500"), "none" for NaN. */
    static String trim(double v) {
        return Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.3g", v);
    }
}
