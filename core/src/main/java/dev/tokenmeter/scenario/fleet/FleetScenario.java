package dev.tokenmeter.scenario.fleet;

import static dev.tokenmeter.result.TextTable.fixed;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.fleet.VerifyOutcome;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.Metric.Direction;
import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Notice.Level;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunFigure;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.result.Tables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The fleet scenario: one rank per GPU, each measuring the same scenario, merged ({@link FleetMerge}). Its points are
 * the GPUs' points; what it says of them together is the fleet's verdict: its capacity and cost, the spread between
 * GPUs, the stragglers, the GPUs that computed wrong answers and the ranks that failed. A fleet is measured by its
 * ranks ({@code tokenmeter fleet submit}, {@code fleet rank}), never on one engine.
 */
public final class FleetScenario implements ScenarioType<FleetSpec, FleetPoint> {
    public static final String NAME = "fleet";
    /** The one instance. */
    public static final FleetScenario TYPE = new FleetScenario();

    /** How a run's busy-host warning starts ({@code HostActivity}'s). */
    private static final String BUSY_HOST = "busy host:";

    private static final String NOT_RUN = "a fleet is measured by its ranks, one per GPU (tokenmeter fleet submit,"
            + " fleet rank), and merged from their files (tokenmeter fleet merge); it does not run on one engine";

    private FleetScenario() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<FleetSpec> specType() {
        return FleetSpec.class;
    }

    @Override
    public Class<FleetPoint> pointType() {
        return FleetPoint.class;
    }

    @Override
    public EngineOptions engineOptions(long seed, FleetSpec spec) {
        throw new UnsupportedOperationException(NOT_RUN);
    }

    @Override
    public void run(ScenarioRun<FleetSpec, FleetPoint> run) {
        throw new UnsupportedOperationException(NOT_RUN);
    }

    @Override
    public double outputTokensPerSecond(FleetPoint p) {
        return p.outputTokensPerSecond();
    }

    @Override
    public double requestsPerSecond(FleetPoint p) {
        return p.queriesPerSecond();
    }

    /** A fleet's points ran on its ranks' GPUs, not on this host's device. */
    @Override
    public boolean ranOnDevice(FleetPoint p) {
        return false;
    }

    @Override
    public String summary(FleetPoint p) {
        return p.ok() ? String.format(Locale.ROOT, "%s, %s output tok/s (median)", p.rankName(),
                significant(p.outputTokensPerSecond(), 4)) : p.rankName() + " failed: " + p.failure();
    }

    @Override
    public Tables<FleetPoint> tables() {
        return FleetTable.TABLES;
    }

    @Override
    public List<Detail> details(FleetSpec spec) {
        List<Detail> out = new ArrayList<>();
        out.add(new Detail("Fleet", "'" + spec.fleetId() + "', " + spec.ranks() + " rank" + (spec.ranks() == 1 ? ""
                : "s") + " (one per GPU), run by " + spec.scheduler() + (spec.job() == null ? "" : " as job "
                        + spec.job())));
        out.add(new Detail("Each rank", "the " + spec.rankScenario().type().name() + " scenario"));
        out.addAll(rankDetails(spec.rankScenario().type(), spec.rankScenario()));
        out.add(new Detail("Straggler", String.format(Locale.ROOT, "a GPU's median output tok/s against the fleet"
                + " median at each point: robust z (median absolute deviation across GPUs, with the GPU's own trial"
                + " spread), Student's t, Bonferroni over every GPU and point at a family-wise %s false-alarm rate;"
                + " and at least %s%% slower", fixed(spec.stragglerAlpha(), 3), fixed(100 * spec.stragglerMinDeficit(),
                        1))));
        out.add(new Detail("Answers", "every rank decodes the same synthetic prompts; ranks of one device, software"
                + " and backend must agree with their majority: bit for bit where the backend is deterministic, within"
                + " the verification tolerance where it is not"));
        out.add(new Detail("Plan", "capacity plans rest on the p" + plainPercent(spec.planPercentile())
                + " GPU of the fleet, not the mean"));
        return out;
    }

    private static <S extends ScenarioSpec> List<Detail> rankDetails(ScenarioType<S, ?> type, ScenarioSpec spec) {
        return type.details(type.specType().cast(spec));
    }

    @Override
    public List<String> footnotes(List<FleetPoint> points) {
        return List.of("vs fleet: the GPU's median output tok/s against the fleet's median GPU at the same point;"
                + " straggler: the test's call, with its confidence (1 - the Bonferroni-adjusted p-value)");
    }

    @Override
    public String legend() {
        return "One row per GPU and point; medians over each GPU's trials. Undefined figures show as \u201c-\u201d.";
    }

    @Override
    public List<Figure> figures(Result result) {
        return FleetCharts.of(result);
    }

    @Override
    public List<Notice> notices(FleetPoint p) {
        FleetPoint.Straggler s = p.straggler();
        if (s != null && s.slow()) {
            return List.of(new Notice(Level.WARNING, p.label(), String.format(Locale.ROOT, "STRAGGLER (rank %d):"
                    + " %s%% slower than the fleet median (confidence %s, z %.1f)%s", p.rank(),
                    fixed(100 * s.deficit(), 1), FleetTable.confidence(s.confidence()), s.z(), explanation(p))));
        }
        return List.of();
    }

    /** What the GPU's telemetry saw that may explain a straggler: its clocks held back, and why. */
    private static String explanation(FleetPoint p) {
        if (p.telemetry() == null || p.telemetry().throttleReasons() == null
                || p.telemetry().throttleReasons().isEmpty()) {
            return "";
        }
        return "; its clocks were held back while it measured (" + String.join(", ", p.telemetry().throttleReasons())
                + (p.telemetry().smClockMhzMin() == null ? "" : ", SM clock down to " + p.telemetry().smClockMhzMin()
                        + " MHz") + ")";
    }

    /** Each rank's failure, wrong answers, failed verification and injected fault once; then the fleet's figures. */
    @Override
    public List<Notice> notices(FleetSpec spec, List<FleetPoint> points) {
        List<Notice> out = new ArrayList<>();
        Map<Integer, FleetPoint> ranks = new LinkedHashMap<>();
        for (FleetPoint p : points) {
            ranks.putIfAbsent(p.rank(), p);
        }
        for (FleetPoint p : ranks.values()) {
            String who = p.rankName();
            if (!p.ok()) {
                out.add(new Notice(Level.ERROR, who, "RANK FAILED: " + p.failure()));
            }
            if (p.answers() != null && p.answers().wrong()) {
                out.add(new Notice(Level.ERROR, who, "WRONG ANSWERS, a possible silent data corruption: "
                        + p.answers().detail() + " (" + p.answers().how() + ")"));
            }
            if (p.verify() != null && p.verify().status().equals(VerifyOutcome.FAILED)) {
                out.add(new Notice(Level.ERROR, who, "verification against the CPU reference "
                        + p.verify().describe()));
            }
            if (p.fault() != null) {
                out.add(new Notice(Level.NOTE, who, "a fault was injected into this rank on purpose (" + p.fault()
                        + "), to test the fleet's checks"));
            }
        }
        Set<String> warnings = new LinkedHashSet<>();
        Set<Integer> busy = new LinkedHashSet<>();
        for (FleetPoint p : points) {
            for (String w : p.warnings()) {
                if (w.startsWith(BUSY_HOST)) {
                    busy.add(p.rank());
                } else {
                    warnings.add(p.rankName() + ": " + w);
                }
            }
        }
        if (!busy.isEmpty()) {
            // Each rank counts its node's other ranks as other processes: one line for the fleet, each rank's own
            // figures in its point's warnings.
            out.add(new Notice(Level.WARNING, null, String.format(Locale.ROOT, "busy host on %d of %d ranks %s: other"
                    + " processes, their node's other ranks among them, used the CPU while they measured; on the CPU"
                    + " path their figures are slower and noisier than the code is (each rank's share is in its"
                    + " point's warnings)", busy.size(), ranks.size(), busy)));
        }
        for (String w : warnings) {
            out.add(new Notice(Level.WARNING, null, w));
        }
        Map<String, String> spreads = FleetSpread.of(spec, points);
        for (FleetSummary s : FleetSummary.of(points, spec.planPercentile())) {
            out.add(new Notice(Level.NOTE, s.point(), capacity(s)));
            if (spreads.containsKey(s.point())) {
                out.add(new Notice(Level.NOTE, s.point(), spreads.get(s.point())));
            }
        }
        return out;
    }

    /** The fleet at one point in a sentence: capacity, spread, stragglers, cost, the plan's GPU. */
    static String capacity(FleetSummary s) {
        String cost = Double.isFinite(s.usdPerHour()) ? String.format(Locale.ROOT, "; the fleet costs $%s/h: $%s per"
                + " 1M output tokens, $%s per query", significant(s.usdPerHour(), 4),
                significant(s.usdPerMillionOutput(), 3), significant(s.usdPerQuery(), 3)) : "";
        String energy = s.telemetryGpus() == 0 ? "" : String.format(Locale.ROOT, "; %s W, %s J per output token"
                + " (the %d GPUs whose power was read)", significant(s.watts(), 4),
                significant(s.joulesPerOutputToken(), 3), s.telemetryGpus());
        return String.format(Locale.ROOT, "FLEET: %d of %d GPUs measured, %s output tok/s in all; per GPU median %s,"
                + " p5 %s, p95 %s, spread \u00b1%s%%; %s%s%s; plans rest on the p%s GPU (%s output tok/s: %s)",
                s.measured(), s.gpus(), significant(s.totalTokensPerSecond(), 4), significant(s.median(), 4),
                significant(s.p5(), 4), significant(s.p95(), 4), fixed(100 * s.robustSpread(), 1),
                s.stragglers() == 0 ? "no straggler" : s.stragglers() + " straggler" + (s.stragglers() == 1 ? ""
                        : "s"), cost, energy, plainPercent(s.planPercentile()), significant(s.planTokensPerSecond(), 4),
                s.planGpu());
    }

    static String plainPercent(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    @Override
    public List<Metric<FleetPoint>> metrics() {
        return List.of(new Metric<>("output tok/s", "tok/s", Direction.HIGHER_IS_BETTER, FleetPoint::samples));
    }

    @Override
    public Significance significance(FleetSpec spec) {
        return rankSignificance(spec.rankScenario().type(), spec.rankScenario());
    }

    private static <S extends ScenarioSpec> Significance rankSignificance(ScenarioType<S, ?> type,
            ScenarioSpec spec) {
        return type.significance(type.specType().cast(spec));
    }

    /** A fleet's ranks and GPUs change between runs: a GPU one result has and another lacks is not missing. */
    @Override
    public boolean fixesPoints(FleetSpec spec) {
        return false;
    }

    /** The fleet's figures at each point, and its failures and wrong answers, for a comparison of two fleets. */
    @Override
    public List<RunFigure> runFigures(List<FleetPoint> points) {
        List<RunFigure> out = new ArrayList<>();
        for (FleetSummary s : FleetSummary.of(points, FleetSpec.DEFAULT_PLAN_PERCENTILE)) {
            out.add(new RunFigure("fleet output tok/s, " + s.point(), "tok/s", s.totalTokensPerSecond()));
            out.add(new RunFigure("median GPU output tok/s, " + s.point(), "tok/s", s.median()));
            out.add(new RunFigure("p5 GPU output tok/s, " + s.point(), "tok/s", s.p5()));
            out.add(new RunFigure("GPU spread, " + s.point(), "%", 100 * s.robustSpread()));
            out.add(new RunFigure("stragglers, " + s.point(), "GPUs", s.stragglers()));
            out.add(new RunFigure("J per output token, " + s.point(), "J", s.joulesPerOutputToken()));
        }
        Set<Integer> ranks = new LinkedHashSet<>();
        Set<Integer> failed = new LinkedHashSet<>();
        Set<Integer> wrong = new LinkedHashSet<>();
        for (FleetPoint p : points) {
            ranks.add(p.rank());
            if (!p.ok()) {
                failed.add(p.rank());
            }
            if (p.answers() != null && p.answers().wrong()) {
                wrong.add(p.rank());
            }
        }
        out.add(new RunFigure("GPUs", "GPUs", ranks.size()));
        out.add(new RunFigure("failed ranks", "GPUs", failed.size()));
        out.add(new RunFigure("GPUs with wrong answers", "GPUs", wrong.size()));
        return out;
    }
}
