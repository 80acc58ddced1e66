package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
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
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter serve}: the serving scenario. Requests arrive (Poisson or gamma at a rate, a replayed trace,
 * or a closed loop of fixed concurrency) and are served by continuous batching over the engine's unified step with
 * a paged KV cache; each point reports TTFT, TPOT, ITL and E2E percentiles, throughput, goodput against the SLOs,
 * and whether the offered load was sustained. Several rates or concurrencies give the latency–throughput curve;
 * {@code --search LO:HI} finds the highest rate that meets the SLOs.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the serving scenario: requests arriving at a rate (or a trace, or a closed loop),"
                + " continuous batching with chunked prefill over a paged KV cache, latency percentiles, goodput"
                + " against SLOs. A list of rates is a sweep; --search finds the highest rate meeting --slo."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--model", defaultValue = RunCommand.DEFAULT_MODEL, paramLabel = "NAME|FILE",
            description = "Preset or HF config.json (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--backend", defaultValue = Backends.AUTO, paramLabel = "NAME",
            description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads (0: all cores).")
    int threads;

    @Option(names = "--rate", split = ",", paramLabel = "REQ/S",
            description = "Open-loop arrival rates in requests/s; several make a sweep.")
    List<Double> rates;

    @Option(names = "--burstiness", defaultValue = "1", paramLabel = "B",
            description = "Gamma inter-arrival shape: 1 Poisson (default), < 1 burstier, > 1 more regular.")
    double burstiness;

    @Option(names = "--concurrency", split = ",", paramLabel = "N",
            description = "Closed loop instead: N requests in flight, a new one as each finishes; several make a"
                    + " sweep.")
    List<Integer> concurrencies;

    @Option(names = "--trace", paramLabel = "FILE.jsonl",
            description = "Replay arrivals and lengths from JSON Lines {\"at\": s, \"prompt\": n, \"output\": n}.")
    Path trace;

    @Option(names = "--trace-scale", defaultValue = "1", paramLabel = "F",
            description = "Multiply the trace's times by F (0.5: twice as fast).")
    double traceScale;

    @Option(names = "--search", paramLabel = "LO:HI",
            description = "Find the highest Poisson rate in [LO, HI] req/s that meets --slo (bisection on measured"
                    + " points).")
    String search;

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

    @Option(names = "--max-seqs", defaultValue = "64", paramLabel = "N",
            description = "Sequences running at once (default: ${DEFAULT-VALUE}).")
    int maxSeqs;

    @Option(names = "--max-batch-tokens", defaultValue = "0", paramLabel = "N",
            description = "Token budget of one step, decodes and prompt chunks (0, the default: 2048 on a GPU, 256"
                    + " on the CPU, whose prompt chunks would otherwise stall every decode for seconds).")
    int maxBatchTokens;

    @Option(names = "--kv-block-size", defaultValue = "16", paramLabel = "N",
            description = "Positions per KV-cache block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--kv-blocks", defaultValue = "0", paramLabel = "N",
            description = "KV-cache blocks (0: every running sequence at full length; fewer forces preemption).")
    int kvBlocks;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed of weights, prompts and"
            + " arrivals.")
    long seed;

    @Option(names = "--warmup-requests", defaultValue = "8", paramLabel = "N",
            description = "Requests served before the points are measured (JIT, allocation), at the workload's"
                    + " lengths (a trace's first request's). On a GPU a ramp through every decode batch size up to"
                    + " --max-seqs follows, so that no CUDA graph is captured inside a point; 0 skips both.")
    int warmupRequests;

    @Option(names = "--max-duration", defaultValue = "600", paramLabel = "SECONDS",
            description = "Time limit of one point; requests left are reported unfinished.")
    double maxDuration;

    @Option(names = "--price", defaultValue = "auto", paramLabel = "auto|PRESET|USD",
            description = "Price per device-hour for the cost columns (as for run; default: the device's preset).")
    String price;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "stdout format: table, json, csv, markdown or html (default: table).")
    String format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Also write the report to FILE, in the format its extension names (or --format).")
    Path output;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write the result (schema v1, scenario serving) as JSON, atomically; kept if a point fails.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        // Everything is checked before a device is opened.
        ModelConfig m = Args.model(model, null);
        LengthDistribution prompt = LengthDistribution.parse("--prompt-len", promptLen);
        LengthDistribution gen = LengthDistribution.parse("--gen", genLen);
        Args.positive("--requests", requests);
        Args.positive("--max-seqs", maxSeqs);
        Args.atLeastZero("--max-batch-tokens", maxBatchTokens, "2048 on a GPU, 256 on the CPU");
        Args.positive("--kv-block-size", blockSize);
        Args.atLeastZero("--kv-blocks", kvBlocks, "every running sequence at full length");
        Args.atLeastZero("--warmup-requests", warmupRequests, "none");
        if (!(maxDuration > 0) || Double.isInfinite(maxDuration)) {
            throw new IllegalArgumentException("--max-duration must be a number of seconds > 0, got " + maxDuration);
        }
        SloSet slos = slo == null ? null : SloSet.parse(slo);
        RunCommand.Reports reports = RunCommand.Reports.of(format, output, json);
        Price asked = "auto".equals(price) ? null : Args.price(price, 1.0);
        int modes = (rates != null ? 1 : 0) + (concurrencies != null ? 1 : 0) + (trace != null ? 1 : 0)
                + (search != null ? 1 : 0);
        if (modes != 1) {
            throw new IllegalArgumentException("give exactly one of --rate, --concurrency, --trace and --search");
        }
        if (rates != null) {
            for (double r : rates) {
                ArrivalProcess.gamma(r, burstiness);  // checks --rate and --burstiness
            }
        }
        if (concurrencies != null) {
            Args.positive("--concurrency", concurrencies);
        }
        double[] bracket = search == null ? null : bracket(search);
        if (bracket != null && slos == null) {
            throw new IllegalArgumentException("--search needs --slo: the SLOs the rate must meet");
        }
        List<Arrival> traced = trace == null ? null : TraceArrivals.scaled(TraceArrivals.read(trace), traceScale);
        int maxPrompt = traced == null ? prompt.max() : traced.stream().mapToInt(Arrival::promptLength).max()
                .orElse(1);
        int maxGen = traced == null ? gen.max() : traced.stream().mapToInt(Arrival::outputLength).max().orElse(1);
        int maxContext = maxPrompt + maxGen;
        m.checkSequenceLength(maxPrompt, maxGen);
        int perSeq = (maxContext + blockSize - 1) / blockSize;
        int blocks = kvBlocks > 0 ? kvBlocks : maxSeqs * perSeq;
        EngineOptions options = EngineOptions.paged(seed, maxSeqs, maxContext, blockSize, blocks);

        BackendProvider provider = Backends.select(backend, m);
        int budget = maxBatchTokens > 0 ? maxBatchTokens : provider.name().equals("cpu") ? 256 : 2048;
        ContinuousBatcher.Config config = new ContinuousBatcher.Config(budget, options);
        String mode = rates != null ? ServingPointResult.RATE : concurrencies != null ? ServingPointResult.CONCURRENCY
                : traced != null ? ServingPointResult.TRACE : ServingPointResult.SEARCH;
        ServingSpec servingSpec = new ServingSpec(mode, rates, burstiness, concurrencies,
                trace == null ? null : trace.getFileName().toString(), traceScale, bracket == null ? 0 : bracket[0],
                bracket == null ? 0 : bracket[1], requests, prompt.describe(), gen.describe(),
                slos == null ? null : slos.describe(), maxSeqs, budget, blockSize, blocks, warmupRequests,
                maxDuration);
        String started = Instant.now().toString();
        List<String> warnings = new ArrayList<>();
        Result result;
        try (Backend opened = provider.open(threads); Engine engine = opened.load(m, options)) {
            Price chosen = asked != null ? asked : PricePresets.forDevice(opened.device());
            RunSpec spec = RunSpec.serving(m, backend, seed, asked, threads, servingSpec);
            Environment env = Environment.capture(opened.device());
            err.println("serve: " + m.name() + " on " + opened.name() + " (" + opened.device().name() + "), "
                    + maxSeqs + " sequences, step budget " + budget + " tokens, KV " + blocks + " blocks of "
                    + blockSize + (slos == null ? "" : ", SLO " + slos.describe()));
            err.flush();
            boolean complete = false;
            try (ServingSaver saver = new ServingSaver(json, spec, env, started, err)) {
                try {
                    if (traced != null) {
                        Arrival first = traced.get(0);
                        warmUp(engine, config, LengthDistribution.fixed(first.promptLength()),
                                LengthDistribution.fixed(first.outputLength()), !"cpu".equals(provider.name()));
                    } else {
                        warmUp(engine, config, prompt, gen, !"cpu".equals(provider.name()));
                    }
                    Point point = (label, rate, conc, o) -> {
                        ServingPointResult p = ServingPointResult.of(label, mode, rate, conc,
                                traced != null ? "trace" : prompt.describe(),
                                traced != null ? "trace" : gen.describe(), o, slos, chosen);
                        saver.add(p);
                        progress(err, p);
                        return p;
                    };
                    if (rates != null) {
                        for (double r : rates) {
                            List<Arrival> a = ArrivalProcess.gamma(r, burstiness).generate(requests, prompt, gen, seed);
                            point.add("rate " + trim(r), r, 0, openLoop(engine, a, config, "rate " + trim(r), err));
                        }
                    } else if (concurrencies != null) {
                        for (int c : concurrencies) {
                            List<Arrival> a = new ClosedLoop(c, requests, prompt, gen, seed).arrivals();
                            point.add("concurrency " + c, Double.NaN, c, ServingRun.closedLoop(engine, a, c, config,
                                    SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(), seed,
                                    seconds(maxDuration), progressEvery("concurrency " + c, err)));
                        }
                    } else if (traced != null) {
                        double rate = traced.size() / Math.max(1e-9, traced.get(traced.size() - 1).atSeconds());
                        point.add("trace " + trace.getFileName(), rate, 0, openLoop(engine, traced, config,
                                "trace " + trace.getFileName(), err));
                    } else {
                        SloSearch.Result found = SloSearch.defaults().between(r -> {
                            List<Arrival> a = ArrivalProcess.poisson(r).generate(requests, prompt, gen, seed);
                            ServingRun.Outcome o = openLoop(engine, a, config, "search " + trim(r), err);
                            // The point's verdict is ServingPoint's rule (SLOs met, load not overloaded), already
                            // judged.
                            return ServingPoint.verdict(r, point.add("search " + trim(r), r, 0, o).passes());
                        }, bracket[0], bracket[1]);
                        double width = found.relativeWidth();
                        warnings.add(String.format(Locale.ROOT, "SLO search: highest rate meeting %s: %s req/s (lowest"
                                + " failing: %s; stopped: %s%s)", slos.describe(), trim(found.highestPassing()),
                                trim(found.lowestFailing()), found.stop(), Double.isFinite(width)
                                        ? String.format(Locale.ROOT, "; bracket ±%.1f%%", 50 * width)
                                        : "; no failing rate found, so no bracket: search higher"));
                        err.println(warnings.get(warnings.size() - 1));
                    }
                    complete = true;
                } finally {
                    result = saver.finish(complete, warnings);
                }
            }
        }
        reports.write(result, out, err);
        return Main.EXIT_OK;
    }

    /** Records one measured point. */
    @FunctionalInterface
    private interface Point {
        ServingPointResult add(String label, double rate, int concurrency, ServingRun.Outcome outcome);
    }

    private static void progress(PrintWriter err, ServingPointResult p) {
        var m = p.metrics();
        err.println(String.format(Locale.ROOT, "[%s] %.2f req/s, %.1f out tok/s, TTFT p99 %.1f ms, TPOT p99 %s ms%s%s",
                p.label(), m.requestsPerSecond(), m.outputTokensPerSecond(), m.ttftMs().p99(),
                m.tpotMs() == null ? "-" : String.format(Locale.ROOT, "%.2f", m.tpotMs().p99()),
                p.slo() == null ? "" : p.slo().meetsSlo() ? ", SLO met" : ", SLO missed",
                p.load().overloaded() ? ", OVERLOADED" : ""));
        err.flush();
    }


    private ServingRun.Outcome openLoop(Engine engine, List<Arrival> arrivals, ContinuousBatcher.Config config,
            String label, PrintWriter err) {
        return ServingRun.openLoop(engine, arrivals, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingRun.systemClock(), seed, seconds(maxDuration), progressEvery(label, err));
    }

    /** A line on stderr every 10 s of a point: requests done so far, so that a long point shows it is alive. */
    private static ServingRun.StepListener progressEvery(String label, PrintWriter err) {
        long[] next = {10_000_000_000L};
        return (steps, finished, total, now) -> {
            if (now >= next[0]) {
                next[0] = now + 10_000_000_000L;
                err.println(String.format(Locale.ROOT, "[%s] %d of %d requests done after %.0f s (%d steps)", label,
                        finished, total, now / 1e9, steps));
                err.flush();
            }
        };
    }

    /**
     * Requests through the same engine before any point: {@code --warmup-requests} of the workload's lengths (JIT,
     * allocation), then, where {@code ramp} (a GPU), {@link ServingRun#batchSizeRamp} so that the engine meets
     * every decode batch size up to {@code --max-seqs} once (the CUDA engine captures a graph per size) and no
     * capture lands inside a measured point.
     */
    private void warmUp(Engine engine, ContinuousBatcher.Config config, LengthDistribution prompt,
            LengthDistribution gen, boolean ramp) {
        if (warmupRequests == 0) {
            return;
        }
        List<Arrival> a = new ClosedLoop(Math.min(warmupRequests, maxSeqs), warmupRequests, prompt, gen, seed + 1)
                .arrivals();
        ServingRun.closedLoop(engine, a, Math.min(warmupRequests, maxSeqs), config,
                SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(), seed + 1, Long.MAX_VALUE, null);
        if (ramp) {
            ServingRun.closedLoop(engine, ServingRun.batchSizeRamp(maxSeqs, engine.options().maxContext()), maxSeqs,
                    config, SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(), seed + 2,
                    Long.MAX_VALUE, null);
        }
    }

    private static long seconds(double s) {
        return (long) Math.min(Long.MAX_VALUE / 2.0, s * 1e9);
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






    private static String trim(double v) {
        return Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.3g", v);
    }
}
