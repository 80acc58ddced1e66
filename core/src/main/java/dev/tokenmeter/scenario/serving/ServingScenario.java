package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.backend.DeviceInfo;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The serving scenario ({@code tokenmeter serve}): requests arriving over time, served by continuous batching.
 * Each point is one run, so its metrics are compared without tests; what a comparison holds as fact is each
 * point's verdict, its SLOs met and its load sustained ({@link #judge}).
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
                    p -> single(p.slo() == null ? Double.NaN : p.slo().goodput())));

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
        ServingSummary m = p.metrics();
        return String.format(Locale.ROOT, "%.2f req/s, %.1f out tok/s, TTFT p99 %.1f ms, TPOT p99 %s ms%s%s",
                m.requestsPerSecond(), m.outputTokensPerSecond(), m.ttftMs().p99(),
                m.tpotMs() == null ? "-" : String.format(Locale.ROOT, "%.2f", m.tpotMs().p99()),
                p.slo() == null ? "" : p.slo().meetsSlo() ? ", SLO met" : ", SLO missed",
                p.load() != null && p.load().overloaded() ? ", OVERLOADED" : "");
    }

    @Override
    public Tables<ServingPoint> tables() {
        return ServingTable.TABLES;
    }

    @Override
    public List<Detail> details(ServingSpec spec) {
        List<Detail> out = new ArrayList<>();
        out.add(new Detail("Scheduler", String.format(Locale.ROOT, "%d sequences, step budget %d tokens, KV %d"
                + " blocks of %d", spec.maxSequences(), spec.maxTokensPerStep(), spec.kvBlocks(),
                spec.kvBlockSize())));
        if (spec.slo() != null) {
            out.add(new Detail("SLO", spec.slo().describe()));
        }
        return out;
    }

    @Override
    public List<String> footnotes(List<ServingPoint> points) {
        return List.of();
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
     * partial (the slowest requests are the ones missing from the percentiles).
     */
    @Override
    public List<Notice> notices(ServingPoint p) {
        List<Notice> out = new ArrayList<>();
        if (p.load() != null && p.load().overloaded()) {
            out.add(new Notice(Notice.Level.WARNING, p.label(), p.load().reason()));
        }
        if (p.metrics() != null && p.metrics().incomplete() > 0) {
            out.add(new Notice(Notice.Level.ERROR, p.label(), String.format(Locale.ROOT, "%d of %d requests"
                    + " unfinished when the run ended (time limit): they are left out of the latencies and rates",
                    p.metrics().incomplete(), p.requests())));
        }
        return out;
    }

    @Override
    public List<Metric<ServingPoint>> metrics() {
        return METRICS;
    }

    /** Good requests under other limits are not the same count: goodput only between points of the same SLOs. */
    @Override
    public boolean comparable(Metric<ServingPoint> metric, ServingPoint a, ServingPoint b) {
        return !metric.label().equals("goodput") || sameSlos(a, b);
    }

    static boolean sameSlos(ServingPoint a, ServingPoint b) {
        return a.slo() != null && b.slo() != null && Objects.equals(a.slo().slo(), b.slo().slo());
    }

    @Override
    public Significance significance() {
        return Significance.NOT_TESTED;
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

    @Override
    public Judgement judge(ServingPoint p) {
        return new Judgement(p.slo() == null ? null : p.slo().slo(), p.slo() != null && p.slo().meetsSlo(),
                p.load() != null && p.load().overloaded(), ServingTable.sloCell(p.slo()),
                ServingTable.loadCell(p.load()), state(p));
    }

    /** One point's verdicts with the SLOs it missed: "missed tpot:p99 102.9 ms > 100 ms, OVERLOADED". */
    static String state(ServingPoint p) {
        String slo;
        if (p.slo() == null) {
            slo = "no SLO";
        } else if (p.slo().meetsSlo()) {
            slo = "SLOs met";
        } else {
            List<String> missed = new ArrayList<>();
            for (ServingPoint.SloCheckResult check : p.slo().checks()) {
                if (!check.met()) {
                    missed.add(String.format(Locale.ROOT, "%s:p%d %s ms > %s ms", check.metric(), check.percentile(),
                            TextTable.significant(check.measuredMs(), 4), TextTable.significant(check.limitMs(), 4)));
                }
            }
            slo = missed.isEmpty() ? "SLOs missed" : "missed " + String.join(", ", missed);
        }
        String load = switch (ServingTable.loadCell(p.load())) {
            case TextTable.UNDEFINED -> "load not recorded";
            case "not judged" -> "load not judged";
            default -> ServingTable.loadCell(p.load());
        };
        return slo + ", " + load;
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
                p -> single(p.metrics() == null ? Double.NaN : figure.applyAsDouble(p.metrics())));
    }

    private static Metric<ServingPoint> latency(String label, Function<ServingSummary, Summary> metric,
            ToDoubleFunction<Summary> figure) {
        return new Metric<>(label, "ms", Direction.LOWER_IS_BETTER, p -> {
            Summary s = p.metrics() == null ? null : metric.apply(p.metrics());
            return single(s == null ? Double.NaN : figure.applyAsDouble(s));
        });
    }

    /** A single run's figure as a sample of one; none where it is undefined. */
    private static double[] single(double value) {
        return Double.isFinite(value) ? new double[] {value} : new double[0];
    }

    /** The serving spec of a run spec (setup fields are read from both sides of a comparison). */
    static ServingSpec serving(RunSpec spec) {
        return (ServingSpec) spec.scenario();
    }
}
