package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.endpoint.EndpointBackend;
import dev.tokenmeter.endpoint.ServerFacts;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.Judgement;
import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Metric.Direction;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunFigure;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.result.SetupField;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.result.Tables;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.serving.RequestFailure;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The serving scenario ({@code tokenmeter serve}): requests arriving over time, served by continuous batching.
 * A point measured once is one run, so its metrics are compared without tests; measured {@code --repeat N} times,
 * its metrics have one sample per run and are tested as trials are. What a comparison holds as fact is each
 * point's verdict, its SLOs met and its load sustained, in most of its runs ({@link #judge}).
 */
public final class ServingScenario implements ScenarioType<ServingSpec, ServingPoint> {
    public static final String NAME = "serving";
    /** The one instance. */
    public static final ServingScenario TYPE = new ServingScenario();
    /** The step budget where none is given: large enough on a GPU, small enough that a CPU keeps decoding. */
    public static final int GPU_STEP_TOKENS = 2048;
    public static final int CPU_STEP_TOKENS = 256;

    /**
     * Tails at p99, as SLOs are usually written (MLPerf Server), and TTFT and TPOT at their median too, so that a
     * shift of the whole distribution can be told from a longer tail. Goodput only where both points were held to
     * the same SLOs ({@link #comparable}).
     */
    private static final List<Metric<ServingPoint>> METRICS = List.of(
            rate("req/s", "req/s", ServingSummary::requestsPerSecond),
            rate("output tok/s", "tok/s", ServingSummary::outputTokensPerSecond),
            latency("TTFT p50", ServingSummary::ttftMs, Summary::p50),
            latency("TTFT p99", ServingSummary::ttftMs, Summary::p99),
            latency("TPOT p50", ServingSummary::tpotMs, Summary::p50),
            latency("TPOT p99", ServingSummary::tpotMs, Summary::p99),
            latency("ITL p99", ServingSummary::itlMs, Summary::p99),
            latency("E2E p99", ServingSummary::e2eMs, Summary::p99),
            new Metric<>("goodput", "req/s", Direction.HIGHER_IS_BETTER,
                    p -> perRun(p, r -> r.slo() == null ? Double.NaN : r.slo().goodput())),
            new Metric<>("error rate", "%", Direction.LOWER_IS_BETTER,
                    p -> perRun(p, r -> r.metrics() == null ? Double.NaN : 100 * r.metrics().errorRate())));

    /**
     * Send lag, p99, above which a point warns that its client could not keep up, ms: a millisecond or two is the
     * scheduler's wake-up on a busy host; ten is a load generator that fell behind.
     */
    static final double CLIENT_LAG_MS = 10;

    private ServingScenario() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<ServingSpec> specType() {
        return ServingSpec.class;
    }

    @Override
    public Class<ServingPoint> pointType() {
        return ServingPoint.class;
    }

    /** The step budget of the device ({@value #CPU_STEP_TOKENS} on a CPU) and the KV blocks, made concrete. */
    @Override
    public ServingSpec resolve(ServingSpec spec, DeviceInfo device) {
        return spec.resolved("cpu".equals(device.kind()) ? CPU_STEP_TOKENS : GPU_STEP_TOKENS);
    }

    /** A run whose every request goes to an endpoint runs on the endpoint's deployment, loading nothing here. */
    @Override
    public Backend ownBackend(ServingSpec spec) {
        return spec.inProcess() ? null : new EndpointBackend(spec.endpoint().endpoint());
    }

    @Override
    public EngineOptions engineOptions(long seed, ServingSpec spec) {
        return EngineOptions.paged(seed, spec.maxSequences(), spec.maxPrompt() + spec.maxOutput(),
                spec.kvBlockSize(), spec.blocks());
    }

    @Override
    public void run(ScenarioRun<ServingSpec, ServingPoint> run) {
        ServingRunner.run(run);
    }

    @Override
    public String summary(ServingPoint p) {
        String runs = p.repeats().isEmpty() ? "" : String.format(Locale.ROOT, " (medians of %d runs)",
                p.runs().size());
        return String.format(Locale.ROOT, "%.2f req/s, %.1f out tok/s, TTFT p99 %.1f ms, TPOT p99 %s ms%s%s%s",
                requestsPerSecond(p), outputTokensPerSecond(p),
                p.median(r -> r.metrics() == null || r.metrics().ttftMs() == null ? Double.NaN
                        : r.metrics().ttftMs().p99()),
                Double.isNaN(p.median(ServingScenario::tpotP99)) ? "-"
                        : String.format(Locale.ROOT, "%.2f", p.median(ServingScenario::tpotP99)), runs,
                p.slo() == null ? "" : p.meetsSlo() ? ", SLO met" : ", SLO missed",
                p.overloaded() ? ", OVERLOADED" : "");
    }

    /** The median over the point's runs of its output tokens per second of each run's duration. */
    @Override
    public double outputTokensPerSecond(ServingPoint p) {
        return p.median(r -> r.metrics() == null ? Double.NaN : r.metrics().outputTokensPerSecond());
    }

    /** The median over the point's runs of its completed requests per second of each run's duration. */
    @Override
    public double requestsPerSecond(ServingPoint p) {
        return p.median(r -> r.metrics() == null ? Double.NaN : r.metrics().requestsPerSecond());
    }

    /** A point sent to an endpoint ran on its server's devices, not on this run's. */
    @Override
    public boolean ranOnDevice(ServingPoint p) {
        return TargetSpec.IN_PROCESS.equals(p.target());
    }

    @Override
    public Tables<ServingPoint> tables() {
        return ServingTable.TABLES;
    }

    @Override
    public List<Detail> details(ServingSpec spec) {
        List<Detail> out = new ArrayList<>();
        if (spec.endpoint() != null) {
            out.add(new Detail("Target", String.join("; then ", spec.targets().stream().map(t -> t.describe()
                    + (t.devices() == 1 ? "" : ", " + t.devices() + " devices")).toList())));
        }
        if (spec.inProcess()) {
            out.add(new Detail("Scheduler", String.format(Locale.ROOT, "%d sequences, step budget %d tokens, KV %d"
                    + " blocks of %d", spec.maxSequences(), spec.maxTokensPerStep(), spec.kvBlocks(),
                    spec.kvBlockSize())));
        }
        if (spec.slo() != null) {
            out.add(new Detail("SLO", spec.slo().describe()));
        }
        return out;
    }

    /** Where points were measured more than once, how their cells read. */
    @Override
    public List<String> footnotes(List<ServingPoint> points) {
        int runs = points.stream().mapToInt(p -> p.runs().size()).max().orElse(1);
        if (runs == 1) {
            return List.of();
        }
        return List.of(String.format(Locale.ROOT, "Each point was measured %d times (--repeat): its figures are"
                + " medians over its runs, and its SLO and load are the verdicts of most runs, with the runs they"
                + " held in (met 2/3).", runs));
    }

    @Override
    public String legend() {
        return "Latencies over the completed requests of each point, counted from each request's scheduled arrival"
                + " (queueing included); rates per second of the point's duration. SLO: every SLO met at its"
                + " percentile; goodput: requests per second that met every limit. Undefined figures show as"
                + " \u201c-\u201d.";
    }

    @Override
    public List<Figure> figures(Result result) {
        return ServingCharts.of(result.points(ServingPoint.class));
    }

    /**
     * An overloaded load (its latencies are not steady-state: a warning, its figures are right for what ran), and
     * requests the run ended before finishing: an error, since they are left out of every figure, which are then
     * partial (the slowest requests are the ones missing from the percentiles). For a repeated point, each says
     * in how many of its runs it happened.
     */
    @Override
    public List<Notice> notices(ServingPoint p) {
        List<Notice> out = new ArrayList<>();
        List<ServingRun> runs = p.runs();
        String ofRuns = runs.size() == 1 ? "" : String.format(Locale.ROOT, " (in %d of %d runs; the first: ",
                p.runsOverloaded(), runs.size());
        ServingRun overloaded = runs.stream().filter(ServingRun::overloaded).findFirst().orElse(null);
        if (overloaded != null && (p.overloaded() || runs.size() == 1)) {
            out.add(new Notice(Notice.Level.WARNING, p.label(), ofRuns.isEmpty() ? overloaded.load().reason()
                    : "OVERLOADED" + ofRuns + overloaded.load().reason() + ")"));
        }
        for (int i = 0; i < runs.size(); i++) {
            ServingSummary m = runs.get(i).metrics();
            if (m != null && m.incomplete() > 0) {
                out.add(new Notice(Notice.Level.ERROR, p.label(), String.format(Locale.ROOT, "%d of %d requests"
                        + " unfinished when the %s ended (time limit): they are left out of the latencies and rates",
                        m.incomplete(), runs.get(i).requests(), runs.size() == 1 ? "run" : "run " + (i + 1))));
            }
            if (m != null && m.failed() > 0) {
                out.add(new Notice(Notice.Level.ERROR, p.label(), String.format(Locale.ROOT, "%d of %d requests"
                        + " FAILED in the %s (error rate %.1f%%: %s): they are left out of the latencies, rates and"
                        + " goodput", m.failed(), m.requests(), runs.size() == 1 ? "run" : "run " + (i + 1),
                        100 * m.errorRate(), failures(runs.get(i)))));
            }
            if (m != null && m.sendLagMs() != null && m.sendLagMs().p99() > CLIENT_LAG_MS) {
                out.add(new Notice(Notice.Level.WARNING, p.label(), String.format(Locale.ROOT, "the client sent"
                        + " requests late in the %s: p99 %.1f ms, max %.1f ms behind their schedule (the load"
                        + " generator could not keep up; this lag counts in TTFT but is not the server's)",
                        runs.size() == 1 ? "run" : "run " + (i + 1), m.sendLagMs().p99(), m.sendLagMs().max())));
            }
        }
        if (p.server() != null) {
            out.add(new Notice(Notice.Level.NOTE, p.label(), server(p.server())));
        }
        return out;
    }

    /** What the endpoint's server said, in a line: "server: model m; queue 3.1 ms mean over 100; KV cache ...". */
    static String server(ServerFacts f) {
        StringBuilder sb = new StringBuilder("the server says: model ").append(f.model());
        if (f.meanQueueSeconds() != null) {
            sb.append(String.format(Locale.ROOT, "; its queue time %.2f ms mean over %d requests",
                    1e3 * f.meanQueueSeconds(), f.queuedRequests()));
        }
        if (f.kvCacheUsagePeak() != null) {
            sb.append(String.format(Locale.ROOT, "; KV cache %.0f%% at peak, %.0f%% mean (%d samples)",
                    100 * f.kvCacheUsagePeak(), 100 * f.kvCacheUsageMean(), f.kvCacheSamples()));
        }
        return sb.toString();
    }

    /** The failures of a run by kind, most first, with the first one's words: "12 http-status (HTTP 503: ...)". */
    static String failures(ServingRun run) {
        if (run.requestLog() == null) {
            return "kinds not recorded";
        }
        Map<RequestFailure.Kind, List<RequestFailure>> byKind = new EnumMap<>(RequestFailure.Kind.class);
        for (RequestEntry e : run.requestLog()) {
            if (e.failure() != null) {
                byKind.computeIfAbsent(e.failure().kind(), k -> new ArrayList<>()).add(e.failure());
            }
        }
        return String.join(", ", byKind.entrySet().stream()
                .sorted((a, b) -> b.getValue().size() - a.getValue().size())
                .map(e -> e.getValue().size() + " " + e.getKey().label() + " (first: " + e.getValue().get(0).detail()
                        + ")").toList());
    }

    /**
     * Side by side, what the HTTP layer cost at each load ({@link HttpLayerCost}); and one note for the points too
     * short to judge whether their load was sustained (in most of their runs), with what would make them long
     * enough.
     */
    @Override
    public List<Notice> notices(List<ServingPoint> points) {
        List<Notice> out = new ArrayList<>(HttpLayerCost.of(points));
        Notice tooShort = tooShort(points);
        if (tooShort != null) {
            out.add(tooShort);
        }
        return out;
    }

    /** The note on points too short to judge; null where there are none. */
    private static Notice tooShort(List<ServingPoint> points) {
        List<ServingPoint> tooShort = points.stream().filter(ServingScenario::tooShort).toList();
        if (tooShort.isEmpty()) {
            return null;
        }
        // The reason of the first point's first run that was too short (not every run need have been).
        String reason = tooShort.get(0).runs().stream().filter(r -> r.load() != null
                && r.load().status() == SustainedLoad.Status.TOO_SHORT).findFirst().orElseThrow().load().reason();
        int colon = reason.indexOf(": too short to judge: ");
        String why = colon < 0 ? reason : reason.substring(colon + ": too short to judge: ".length());
        return new Notice(Notice.Level.NOTE, null, String.join(", ", tooShort.stream()
                .map(ServingPoint::label).toList()) + ": " + ServingTable.TOO_SHORT + " whether the load was"
                + " sustained (" + tooShort.get(0).label() + ": " + why + "); more --requests make a point long"
                + " enough. Such a point's figures are right for what ran, and it never counts as overloaded");
    }

    /** Whether most runs of a point (that was not overloaded) were too short to judge. */
    static boolean tooShort(ServingPoint p) {
        long n = p.runs().stream().filter(r -> r.load() != null
                && r.load().status() == SustainedLoad.Status.TOO_SHORT).count();
        return !p.overloaded() && 2 * n > p.runs().size();
    }

    @Override
    public List<Metric<ServingPoint>> metrics() {
        return METRICS;
    }

    /**
     * Good requests under other limits are not the same count: goodput only between points of the same SLOs. The
     * error rate only where a side had failures: two sides without any have nothing to test.
     */
    @Override
    public boolean comparable(Metric<ServingPoint> metric, ServingPoint a, ServingPoint b) {
        if (metric.label().equals("error rate")) {
            return hasFailures(a) || hasFailures(b);
        }
        return !metric.label().equals("goodput") || sameSlos(a, b);
    }

    private static boolean hasFailures(ServingPoint p) {
        return p.runs().stream().anyMatch(r -> r.metrics() != null && r.metrics().failed() > 0);
    }

    static boolean sameSlos(ServingPoint a, ServingPoint b) {
        return a.slo() != null && b.slo() != null && Objects.equals(a.slo().slo(), b.slo().slo());
    }

    /** The trials' rule for points measured at least twice (a sample of runs), else none. */
    @Override
    public Significance significance(ServingSpec spec) {
        return spec.repeat() >= 2 ? Significance.TRIALS : Significance.NOT_TESTED;
    }

    @Override
    public List<SetupField> setup() {
        return ServingSetup.FIELDS;
    }

    /** A search stopped early says the bracket its probes give so far. */
    @Override
    public List<String> partialWarnings(ServingSpec spec, List<ServingPoint> points) {
        return SearchAnswer.sofar(spec, points);
    }

    @Override
    public String estimate(ServingSpec spec) {
        return ServingEstimate.of(spec);
    }

    /** A search's probes are the rates it chose as it went: two searches need not share them. */
    @Override
    public boolean fixesPoints(ServingSpec spec) {
        return spec.mode() != ServingMode.SEARCH;
    }

    /** The point's verdicts: those of most of its runs ({@link ServingPoint#passes}). */
    @Override
    public Judgement judge(ServingPoint p) {
        return new Judgement(p.slo() == null ? null : p.slo().slo(), p.meetsSlo(), p.overloaded(),
                ServingTable.sloCell(p), ServingTable.loadCell(p), state(p));
    }

    /**
     * One point's verdicts with the SLOs it missed: "missed tpot:p99 102.9 ms > 100 ms, OVERLOADED"; for a
     * repeated point, with how many runs agreed and what its first failing run missed: "SLOs missed in 2 of 3 runs
     * (run 2: missed tpot:p99 102.9 ms > 100 ms), steady in 3 of 3".
     */
    static String state(ServingPoint p) {
        List<ServingRun> runs = p.runs();
        String slo;
        if (p.slo() == null) {
            slo = "no SLO";
        } else if (runs.size() > 1) {
            int met = p.runsMeetingSlo();
            int missedRun = 0;
            while (missedRun < runs.size() && runs.get(missedRun).meetsSlo()) {
                missedRun++;
            }
            slo = String.format(Locale.ROOT, "SLOs %s in %d of %d runs", p.meetsSlo() ? "met" : "missed",
                    p.meetsSlo() ? met : runs.size() - met, runs.size()) + (missedRun == runs.size() ? ""
                    : " (run " + (missedRun + 1) + ": " + missed(runs.get(missedRun).slo()) + ")");
        } else {
            slo = p.slo().meetsSlo() ? "SLOs met" : missed(p.slo());
        }
        SustainedLoad.Status status = runs.size() == 1 ? (p.load() == null ? null : p.load().status())
                : ServingTable.loadStatus(p);
        String load = status == null ? "load not recorded" : switch (status) {
            case NOT_JUDGED -> "load not judged";
            case TOO_SHORT -> "load too short to judge";
            default -> ServingTable.label(status);
        };
        if (runs.size() > 1 && status != null) {
            load += String.format(Locale.ROOT, " in %d of %d", ServingTable.runsWith(p, status), runs.size());
        }
        return slo + ", " + load;
    }

    /** "missed tpot:p99 102.9 ms > 100 ms" (each SLO a run missed), or "SLOs missed". */
    private static String missed(ServingPoint.SloResult slo) {
        List<String> missed = new ArrayList<>();
        for (ServingPoint.SloCheckResult check : slo.checks()) {
            if (!check.met()) {
                missed.add(String.format(Locale.ROOT, "%s:p%d %s ms > %s ms", check.metric(), check.percentile(),
                        TextTable.significant(check.measuredMs(), 4), TextTable.significant(check.limitMs(), 4)));
            }
        }
        return missed.isEmpty() ? "SLOs missed" : "missed " + String.join(", ", missed);
    }

    /**
     * A search's answer, the highest probed rate that passed. Bisection only probes inside the bracket [highest
     * passing, lowest failing], so this is the search's own answer, recomputed from the points.
     */
    @Override
    public List<RunFigure> runFigures(List<ServingPoint> points) {
        if (points.stream().noneMatch(p -> p.mode() == ServingMode.SEARCH)) {
            return List.of();
        }
        double best = points.stream().filter(p -> p.mode() == ServingMode.SEARCH && p.passes())
                .mapToDouble(ServingPoint::offeredRate).max().orElse(Double.NaN);
        return List.of(new RunFigure("SLO search: highest rate that passed", "req/s", best));
    }

    private static Metric<ServingPoint> rate(String label, String unit, ToDoubleFunction<ServingSummary> figure) {
        return new Metric<>(label, unit, Direction.HIGHER_IS_BETTER,
                p -> perRun(p, r -> r.metrics() == null ? Double.NaN : figure.applyAsDouble(r.metrics())));
    }

    private static Metric<ServingPoint> latency(String label, Function<ServingSummary, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return new Metric<>(label, "ms", Direction.LOWER_IS_BETTER, p -> perRun(p, r -> {
            Summary s = r.metrics() == null ? null : metric.apply(r.metrics());
            return s == null ? Double.NaN : figure.applyAsDouble(s);
        }));
    }

    /** A figure of each run as the point's samples, one per run; none from a run where it is undefined. */
    private static double[] perRun(ServingPoint p, ToDoubleFunction<ServingRun> figure) {
        return p.runs().stream().mapToDouble(figure).filter(Double::isFinite).toArray();
    }

    private static double tpotP99(ServingRun r) {
        return r.metrics() == null || r.metrics().tpotMs() == null ? Double.NaN : r.metrics().tpotMs().p99();
    }

    /** The serving spec of a run spec (setup fields are read from both sides of a comparison). */
    static ServingSpec serving(RunSpec spec) {
        return (ServingSpec) spec.scenario();
    }
}
