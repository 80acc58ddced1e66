package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingRun;
import dev.tokenmeter.serving.load.ArrivalProcess;
import dev.tokenmeter.serving.load.ClosedLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.load.TraceArrivals;
import dev.tokenmeter.serving.metrics.ServingMetrics;
import dev.tokenmeter.serving.metrics.ServingPoint;
import dev.tokenmeter.serving.metrics.SloReport;
import dev.tokenmeter.serving.metrics.SloSearch;
import dev.tokenmeter.serving.metrics.SloSet;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.io.PrintWriter;
import java.nio.file.Path;
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
            description = "Requests served before each run's engine is measured (JIT, graphs).")
    int warmupRequests;

    @Option(names = "--max-duration", defaultValue = "600", paramLabel = "SECONDS",
            description = "Time limit of one point; requests left are reported unfinished.")
    double maxDuration;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every point as JSON (atomically).")
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

        BackendProvider provider = Backends.select(backend);
        int budget = maxBatchTokens > 0 ? maxBatchTokens : provider.name().equals("cpu") ? 256 : 2048;
        ContinuousBatcher.Config config = new ContinuousBatcher.Config(budget, options);
        List<ObjectNode> points = new ArrayList<>();
        try (Backend opened = provider.open(threads); Engine engine = opened.load(m, options)) {
            out.println("tokenmeter serve: " + m.name() + " on " + opened.name() + " (" + opened.device().name()
                    + "), " + maxSeqs + " sequences, step budget " + budget + " tokens, KV " + blocks
                    + " blocks of " + blockSize + (slos == null ? "" : ", SLO " + slos.describe()));
            out.println(header());
            out.flush();
            warmUp(engine, config, prompt, gen);
            if (rates != null) {
                for (double r : rates) {
                    List<Arrival> a = ArrivalProcess.gamma(r, burstiness).generate(requests, prompt, gen, seed);
                    points.add(report(out, "rate " + trim(r), r, openLoop(engine, a, config), slos));
                }
            } else if (concurrencies != null) {
                for (int c : concurrencies) {
                    List<Arrival> a = new ClosedLoop(c, requests, prompt, gen, seed).arrivals();
                    ServingRun.Outcome o = ServingRun.closedLoop(engine, a, c, config,
                            SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(), seed,
                            seconds(maxDuration), null);
                    points.add(report(out, "concurrency " + c, Double.NaN, o, slos));
                }
            } else if (traced != null) {
                double rate = traced.size() / Math.max(1e-9, traced.get(traced.size() - 1).atSeconds());
                points.add(report(out, "trace " + trace.getFileName(), rate, openLoop(engine, traced, config), slos));
            } else {
                SloSearch.Result found = SloSearch.defaults().between(r -> {
                    List<Arrival> a = ArrivalProcess.poisson(r).generate(requests, prompt, gen, seed);
                    ServingRun.Outcome o = openLoop(engine, a, config);
                    points.add(report(out, "search " + trim(r), r, o, slos));
                    return point(r, o, slos);
                }, bracket[0], bracket[1]);
                out.println(String.format(Locale.ROOT, "highest rate meeting %s: %s req/s (lowest failing: %s;"
                        + " stopped: %s, bracket ±%.1f%%)", slos.describe(), trim(found.highestPassing()),
                        trim(found.lowestFailing()), found.stop(), 50 * found.relativeWidth()));
            }
        }
        out.flush();
        if (json != null) {
            ArrayNode arr = ResultJson.mapper().createArrayNode();
            points.forEach(arr::add);
            ObjectNode root = ResultJson.mapper().createObjectNode();
            root.put("tool", "tokenmeter serve");
            root.put("model", m.name());
            root.put("backend", backend);
            root.put("slo", slos == null ? null : slos.describe());
            root.set("points", arr);
            AtomicFiles.writeString(json, ResultJson.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(root));
            err.println("wrote " + json);
        }
        return Main.EXIT_OK;
    }

    private ServingRun.Outcome openLoop(Engine engine, List<Arrival> arrivals, ContinuousBatcher.Config config) {
        return ServingRun.openLoop(engine, arrivals, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingRun.systemClock(), seed, seconds(maxDuration), null);
    }

    /** A few requests through the same engine first: JIT, graph capture and allocation stay out of the points. */
    private void warmUp(Engine engine, ContinuousBatcher.Config config, LengthDistribution prompt,
            LengthDistribution gen) {
        if (warmupRequests == 0) {
            return;
        }
        List<Arrival> a = new ClosedLoop(Math.min(warmupRequests, maxSeqs), warmupRequests, prompt, gen, seed + 1)
                .arrivals();
        ServingRun.closedLoop(engine, a, Math.min(warmupRequests, maxSeqs), config,
                SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingRun.systemClock(), seed + 1, Long.MAX_VALUE, null);
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

    private static ServingPoint point(double rate, ServingRun.Outcome o, SloSet slos) {
        List<RequestRecord> all = new ArrayList<>(o.finished());
        all.addAll(o.unfinished());
        ServingMetrics metrics = ServingMetrics.of(all);
        return ServingPoint.of(rate, metrics, SloReport.of(metrics, slos), SustainedLoad.check(rate, all));
    }

    private static String header() {
        return String.format(Locale.ROOT, "%-18s %8s %9s %9s %9s %9s %9s %9s %9s %8s %6s  %s", "point", "req/s",
                "out tok/s", "TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99", "ITL p99", "E2E p50", "goodput",
                "preempt", "notes");
    }

    private ObjectNode report(PrintWriter out, String label, double rate, ServingRun.Outcome o, SloSet slos) {
        List<RequestRecord> all = new ArrayList<>(o.finished());
        all.addAll(o.unfinished());
        ServingMetrics mt = ServingMetrics.of(all);
        SloReport sr = slos == null ? null : SloReport.of(mt, slos);
        SustainedLoad load = SustainedLoad.check(rate, all);
        List<String> notes = new ArrayList<>();
        if (sr != null) {
            notes.add(sr.meetsSlo() ? "SLO met" : "SLO missed");
        }
        load.warning().ifPresent(notes::add);
        if (mt.incomplete() > 0) {
            notes.add(mt.incomplete() + " unfinished");
        }
        out.println(String.format(Locale.ROOT, "%-18s %8.2f %9.1f %9.1f %9.1f %9.2f %9.2f %9.2f %9.1f %8s %6d  %s",
                label, mt.requestsPerSecond(), mt.outputTokensPerSecond(), p(mt.ttftMs(), 50), p(mt.ttftMs(), 99),
                p(mt.tpotMs(), 50), p(mt.tpotMs(), 99), p(mt.itlMs(), 99), p(mt.e2eMs(), 50),
                sr == null ? "-" : String.format(Locale.ROOT, "%.2f/s", sr.goodput()), o.preemptions(),
                String.join("; ", notes)));
        out.flush();
        ObjectNode n = ResultJson.mapper().createObjectNode();
        n.put("point", label);
        if (Double.isFinite(rate)) {
            n.put("offeredRate", rate);
        }
        n.put("steps", o.steps());
        n.put("preemptions", o.preemptions());
        n.set("metrics", ResultJson.mapper().valueToTree(metricsOnly(mt)));
        if (sr != null) {
            n.put("goodput", sr.goodput());
            n.put("goodFraction", sr.goodFraction());
            n.put("meetsSlo", sr.meetsSlo());
        }
        n.put("load", load.status().name());
        load.warning().ifPresent(w -> n.put("warning", w));
        return n;
    }

    /** The metrics without the per-request list (which can be long). */
    private static java.util.Map<String, Object> metricsOnly(ServingMetrics m) {
        java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
        map.put("completed", m.completed());
        map.put("incomplete", m.incomplete());
        map.put("inputTokens", m.inputTokens());
        map.put("outputTokens", m.outputTokens());
        map.put("durationSeconds", m.durationSeconds());
        map.put("requestsPerSecond", m.requestsPerSecond());
        map.put("outputTokensPerSecond", m.outputTokensPerSecond());
        map.put("totalTokensPerSecond", m.totalTokensPerSecond());
        map.put("ttftMs", m.ttftMs());
        map.put("tpotMs", m.tpotMs());
        map.put("itlMs", m.itlMs());
        map.put("e2eMs", m.e2eMs());
        return map;
    }

    private static double p(Summary s, int percentile) {
        if (s == null) {
            return Double.NaN;
        }
        return switch (percentile) {
            case 50 -> s.p50();
            case 90 -> s.p90();
            case 95 -> s.p95();
            default -> s.p99();
        };
    }

    private static String trim(double v) {
        return Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.3g", v);
    }
}
