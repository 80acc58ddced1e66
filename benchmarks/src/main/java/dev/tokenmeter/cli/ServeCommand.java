package dev.tokenmeter.cli;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.load.TraceArrivals;
import dev.tokenmeter.serving.metrics.SloSearch;
import dev.tokenmeter.serving.metrics.SloSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter serve}: the serving scenario through the library's front door ({@link Benchmark#serving()}).
 * Requests arrive (Poisson or gamma at a rate, a replayed trace, or a closed loop of fixed concurrency) and are
 * served by continuous batching over the engine's unified step with a paged KV cache; each point reports TTFT, TPOT,
 * ITL and E2E percentiles, throughput, goodput against the SLOs, and whether the offered load was sustained.
 * Several rates or concurrencies give the latency–throughput curve; {@code --search LO:HI} finds the highest rate
 * that meets the SLOs. The outputs, progress and the kept {@code --json} file are {@code run}'s.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the serving scenario: requests arriving at a rate (or a trace, or a closed loop),"
                + " continuous batching with chunked prefill over a paged KV cache, latency percentiles, goodput"
                + " against SLOs. A list of rates is a sweep; --search finds the highest rate meeting --slo.",
                "Exactly one of --rate, --concurrency, --trace and --search says how the load is offered."})
final class ServeCommand implements Callable<Integer>, Measuring {
    /** The spec's fields as this command's options name them, for the messages of values the spec refuses. */
    static final Map<String, String> OPTIONS = Args.options(Map.ofEntries(Map.entry("rates", "--rate"),
            Map.entry("burstiness", "--burstiness"), Map.entry("concurrencies", "--concurrency"),
            Map.entry("trace", "--trace"), Map.entry("traceArrivals", "--trace"),
            Map.entry("traceScale", "--trace-scale"), Map.entry("searchLow", "--search"),
            Map.entry("searchHigh", "--search"), Map.entry("searchTolerance", "--search-tolerance"),
            Map.entry("searchProbes", "--search-probes"), Map.entry("requests", "--requests"),
            Map.entry("promptLength", "--prompt-len"), Map.entry("outputLength", "--gen"), Map.entry("slo", "--slo"),
            Map.entry("maxSequences", "--max-seqs"), Map.entry("maxTokensPerStep", "--max-batch-tokens"),
            Map.entry("kvBlockSize", "--kv-block-size"), Map.entry("kvBlocks", "--kv-blocks"),
            Map.entry("warmupRequests", "--warmup-requests"), Map.entry("maxDurationSeconds", "--max-duration"),
            Map.entry("warmupMaxSeconds", "--warmup-max-duration"), Map.entry("repeat", "--repeat")));

    @Spec
    CommandSpec command;

    @Mixin
    BatcherOptions batcher;

    @Mixin
    ModelOptions models;

    /** How the load is offered: exactly one of these, which picocli requires and the help shows as required. */
    static final class Load {
        @Option(names = "--rate", split = ",", paramLabel = "REQ/S", required = true,
                description = "Open-loop arrival rates in requests/s; several make a sweep.")
        List<Double> rates;

        @Option(names = "--concurrency", split = ",", paramLabel = "N", required = true,
                description = "Closed loop instead: N requests in flight, a new one as each finishes; several make"
                        + " a sweep.")
        List<Integer> concurrencies;

        @Option(names = "--trace", paramLabel = "FILE.jsonl", required = true,
                description = "Replay arrivals and lengths from JSON Lines {\"at\": s, \"prompt\": n, \"output\": n},"
                        + " in time order.")
        Path trace;

        @Option(names = "--search", paramLabel = "LO:HI", required = true,
                description = "Find the highest Poisson rate in [LO, HI] req/s that meets --slo (bisection on"
                        + " measured points).")
        String search;
    }

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "How the load is offered (one of):%n")
    Load load;

    @Option(names = "--search-tolerance", paramLabel = "FRACTION|N%",
            description = "--search stops once its bracket is this narrow, relative to its lower end: 5%% (or 0.05,"
                    + " the default) bisects until the two rates are within 5%% of each other.")
    String searchTolerance;

    @Option(names = "--search-probes", paramLabel = "N",
            description = "--search measures at most N rates, its two ends included (default: "
                    + SloSearch.DEFAULT_MAX_PROBES + "); each is a point of --requests requests.")
    Integer searchProbes;

    @Option(names = "--burstiness", defaultValue = "1", paramLabel = "B",
            description = "Gamma inter-arrival shape: 1 Poisson (default), < 1 burstier, > 1 more regular.")
    double burstiness;

    @Option(names = "--trace-scale", defaultValue = "1", paramLabel = "F",
            description = "Multiply the trace's times by F (0.5: twice as fast).")
    double traceScale;

    @Option(names = "--requests", defaultValue = "200", paramLabel = "N", description = "Requests per point.")
    int requests;

    @Option(names = "--prompt-len", defaultValue = "128", paramLabel = "N|LO:HI",
            description = "Prompt tokens, fixed or uniform in a range (default: ${DEFAULT-VALUE}).")
    String promptLen;

    @Option(names = {"--gen", "--output-len"}, defaultValue = "32", paramLabel = "N|LO:HI",
            description = "Output tokens, fixed or uniform in a range (default: ${DEFAULT-VALUE}).")
    String genLen;

    @Option(names = "--slo", paramLabel = "SPEC",
            description = "SLOs, e.g. ttft=2s,tpot=100ms (p99 unless ttft:p90=...); goodput counts requests"
                    + " meeting all.")
    String slo;

    @Option(names = "--warmup-requests", defaultValue = "8", paramLabel = "N",
            description = "Requests served before the points are measured (JIT, allocation), at least, at the"
                    + " workload's lengths (a trace's first request's); more follow until the engine's step time is"
                    + " steady. On a GPU a ramp through every decode batch size up to --max-seqs follows, so that no"
                    + " CUDA graph is captured inside a point; 0 skips all of it.")
    int warmupRequests;

    @Option(names = "--warmup-max-duration", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long the warm-up may go on after --warmup-requests while the step time is not"
                    + " steady (default: 60; the run warns when it is reached); 0: --warmup-requests alone.")
    double warmupMaxDuration;

    @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
            description = "Measure each point N times on the same workload, every run kept (default: 1). From 2,"
                    + " compare tests each metric over the runs, and a point's verdicts are those of most runs.")
    int repeat;

    @Option(names = "--max-duration", defaultValue = "600", paramLabel = "SECONDS",
            description = "Time limit of one point; requests left are reported unfinished.")
    double maxDuration;

    @Mixin
    EndpointOptions endpoint;

    @Mixin
    PriceOptions prices;

    @Mixin
    OutputOptions outputs;

    @Override
    public Integer call() {
        prepare().run(command.commandLine().getOut(), command.commandLine().getErr(), b -> b);
        return Main.EXIT_OK;
    }

    @Override
    public Prepared prepare() {
        // Everything is checked before a device is opened, each value by the spec that holds it, named by option.
        Execution execution = new Execution(outputs);
        ServingSpec.Builder b = Benchmark.serving().model(models.config()).backend(models.backend)
                .seed(models.seed).threads(models.threads).price(prices.asked())
                .promptLengths(LengthDistribution.parse("--prompt-len", promptLen))
                .outputLengths(LengthDistribution.parse("--gen", genLen)).slo(slo == null ? null : SloSet.parse(slo))
                .burstiness(burstiness).requests(requests).maxSequences(batcher.maxSeqs)
                .maxTokensPerStep(batcher.maxBatchTokens).kvBlockSize(batcher.blockSize).kvBlocks(batcher.kvBlocks)
                .warmupRequests(warmupRequests)
                .warmupMaxSeconds(warmupMaxDuration).maxDurationSeconds(maxDuration).repeat(repeat);
        if (!(traceScale > 0) || Double.isInfinite(traceScale)) {
            // Only a trace uses it, but a bad value is refused whatever the mode, as every other option's is.
            throw new IllegalArgumentException("--trace-scale must be a finite factor > 0, got " + traceScale);
        }
        if (load.rates != null) {
            b.rates(load.rates);
        } else if (load.concurrencies != null) {
            b.concurrencies(load.concurrencies);
        } else if (load.trace != null) {
            b.trace(load.trace.getFileName().toString(), TraceArrivals.read(load.trace), traceScale);
        } else {
            double[] bracket = bracket(load.search);
            if (searchProbes != null && searchProbes < 2) {
                // 0 would mean the default to the spec: refused here as the user typed it.
                throw new IllegalArgumentException("--search-probes must be >= 2 (the two ends of the range), got "
                        + searchProbes);
            }
            b.search(bracket[0], bracket[1]).searchLimits(searchTolerance == null ? 0 : tolerance(searchTolerance),
                    searchProbes == null ? 0 : searchProbes);
        }
        if (load.search == null && (searchTolerance != null || searchProbes != null)) {
            throw new IllegalArgumentException((searchTolerance != null ? "--search-tolerance" : "--search-probes")
                    + " applies to --search only");
        }
        endpoint.apply(b);
        return new Prepared(Args.checked(OPTIONS, b::spec), execution, prices.utilization(), device -> { });
    }

    /** "5%", "0.05": a fraction in (0, 1); 0 and other values are refused here, where 0 would mean the default. */
    private static double tolerance(String text) {
        String t = text.trim();
        boolean percent = t.endsWith("%");
        try {
            double v = Double.parseDouble(percent ? t.substring(0, t.length() - 1).trim() : t);
            double fraction = percent ? v / 100 : v;
            if (fraction > 0 && fraction < 1) {
                return fraction;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--search-tolerance must be a fraction in (0, 1) or a percentage such as"
                + " 5%, got '" + text + "'");
    }

    private static double[] bracket(String text) {
        String[] parts = text.split(":", -1);
        try {
            if (parts.length == 2) {
                double lo = Double.parseDouble(parts[0]);
                double hi = Double.parseDouble(parts[1]);
                if (lo > 0 && hi > lo && Double.isFinite(hi)) {
                    return new double[] {lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--search must be LO:HI requests/s with 0 < LO < HI, got '" + text + "'");
    }
}
