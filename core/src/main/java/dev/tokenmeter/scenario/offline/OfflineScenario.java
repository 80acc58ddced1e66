package dev.tokenmeter.scenario.offline;

import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Figure;
import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Metric.Direction;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.result.Tables;
import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The offline scenario ({@code tokenmeter run}): static batches measured in repeated trials. Its points are
 * compared on their trials, with tests; its table shows medians over trials.
 */
public final class OfflineScenario implements ScenarioType<OfflineSpec, OfflinePoint> {
    public static final String NAME = "offline";
    /** The one instance. */
    public static final OfflineScenario TYPE = new OfflineScenario();

    /** The decode steps of a trial: TPOT and the mean decode step are both made of them, and tested once. */
    private static final String DECODE_STEPS = "decode steps";

    private static final List<Metric<OfflinePoint>> METRICS = List.of(
            new Metric<>("output tok/s", "tok/s", Direction.HIGHER_IS_BETTER,
                    p -> samples(p, t -> t.outputTokensPerSecond(p.batch(), p.outputLength()), "output tok/s")),
            new Metric<>("TTFT", "ms", Direction.LOWER_IS_BETTER, p -> samples(p, TrialRecord::prefillMs, "TTFT")),
            // (E2E − TTFT) / (G − 1): in a static batch every request gets a token at each step, so this is the
            // trial's mean decode step, and the two rows below are one measurement.
            new Metric<>("TPOT", "ms", Direction.LOWER_IS_BETTER, DECODE_STEPS,
                    p -> p.outputLength() < 2 ? new double[0]
                            : samples(p, t -> (t.e2eMs() - t.prefillMs()) / (p.outputLength() - 1), "TPOT")),
            new Metric<>("E2E", "ms", Direction.LOWER_IS_BETTER, p -> samples(p, TrialRecord::e2eMs, "E2E")),
            new Metric<>("decode step", "ms", Direction.LOWER_IS_BETTER, DECODE_STEPS,
                    p -> p.outputLength() < 2 ? new double[0] : samples(p, OfflineScenario::meanStep, "decode step")));

    private OfflineScenario() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<OfflineSpec> specType() {
        return OfflineSpec.class;
    }

    @Override
    public Class<OfflinePoint> pointType() {
        return OfflinePoint.class;
    }

    @Override
    public EngineOptions engineOptions(long seed, OfflineSpec spec) {
        return new EngineOptions(seed, spec.maxBatch(), spec.maxContext());
    }

    @Override
    public void run(ScenarioRun<OfflineSpec, OfflinePoint> run) {
        OfflineRunner.run(run);
    }

    /**
     * One offline trial, exactly as the runner measures it: {@code prompts.length} requests prefilled together, then
     * decode steps until each has {@code outputLength} tokens, every step timed. The engine needs that many slots.
     */
    public static TrialRecord trial(Engine engine, int[][] prompts, int outputLength) {
        return OfflineRunner.runTrial(engine, prompts, outputLength);
    }

    /**
     * Bounds from the trial policy: each point warms up for its warm-up time (or until {@link
     * MeasurementPolicy#MAX_WARMUP_TRIALS} trials, where trials are that short: so no lower bound is promised), then
     * measures until its time budget is spent (or sooner, once precise or at the most trials); a trial longer than
     * these adds its own time.
     */
    @Override
    public String estimate(OfflineSpec spec) {
        int n = spec.points().size();
        MeasurementPolicy m = spec.measurement();
        double warmup = m.warmupTrials() > 0 ? m.warmupSeconds() : 0;
        String points = n + " point" + (n == 1 ? "" : "s");
        String warm = m.warmupTrials() == 0 ? "no warm-up" : "a warm-up of at least " + m.warmupTrials() + " trial"
                + (m.warmupTrials() == 1 ? "" : "s") + (warmup > 0 ? " and " + RunDescription.duration(warmup)
                + " (or " + MeasurementPolicy.MAX_WARMUP_TRIALS + " trials, if sooner)" : "");
        return "at most about " + RunDescription.duration(n * (warmup + m.budgetSeconds())) + ": " + points
                + ", each " + warm
                + ", then " + m.minTrials() + " to " + m.maxTrials() + " trials within a budget of "
                + RunDescription.duration(m.budgetSeconds()) + " (more where a single trial outlasts these)";
    }

    /** The median over the point's trials. */
    @Override
    public double outputTokensPerSecond(OfflinePoint p) {
        return p.metrics() == null ? Double.NaN : p.metrics().outputTokensPerSecond().median();
    }

    /** The median over the point's trials: its batch over the median trial's duration. */
    @Override
    public double requestsPerSecond(OfflinePoint p) {
        return p.metrics() == null ? Double.NaN : p.metrics().requestsPerSecond().median();
    }

    @Override
    public String summary(OfflinePoint p) {
        Precision pr = p.precision();
        String precision = pr == null || !Double.isFinite(pr.relativeCiHalfWidth()) ? ""
                : ", ±" + OfflineRunner.percent(pr.relativeCiHalfWidth()) + " at 95% (target ±"
                        + OfflineRunner.percent(pr.target()) + ", stopped by " + pr.stoppedBy() + ")";
        double outRate = p.metrics() == null ? Double.NaN : p.metrics().outputTokensPerSecond().median();
        return String.format(Locale.ROOT, "%d trials, %.1f output tok/s (median)%s", p.trials().size(), outRate,
                precision);
    }

    @Override
    public Tables<OfflinePoint> tables() {
        return OfflineTable.TABLES;
    }

    @Override
    public List<Detail> details(OfflineSpec spec) {
        return List.of(new Detail("Trials", trials(spec.measurement()) + "; medians unless marked"));
    }

    /** The trial policy in one line. */
    static String trials(MeasurementPolicy m) {
        String warmup = m.warmupTrials() == 0 ? "no warm-up"
                : m.warmupTrials() + " warm-up" + (m.warmupSeconds() > 0
                        ? " (at least " + significant(m.warmupSeconds(), 3) + " s)" : "");
        return String.format(Locale.ROOT, "%s, then %d to %d per point within %s s, until \u00b1%s%% at 95%%"
                + " confidence", warmup, m.minTrials(), m.maxTrials(), significant(m.budgetSeconds(), 3),
                targetPercent(m.targetRelativeCi()));
    }

    /** A precision target as a short percentage: 0.01 as "1", 0.005 as "0.5". */
    static String targetPercent(double fraction) {
        return plain(fraction * 100);
    }

    /** A number to three significant digits without trailing zeros: 10.0 as "10", 2.50 as "2.5". */
    static String plain(double value) {
        String s = significant(value, 3);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("\\.?0+$", "") : s;
    }

    @Override
    public List<String> footnotes(List<OfflinePoint> points) {
        String imprecise = OfflineTable.imprecisionNote(points);
        return imprecise == null ? List.of() : List.of(imprecise);
    }

    @Override
    public String legend() {
        return "Medians over trials unless marked. Undefined figures show as \u201c-\u201d (TPOT, ITL and decode"
                + " figures need more than one output token per request).";
    }

    @Override
    public List<Figure> figures(Result result) {
        return OfflineCharts.of(result);
    }

    /**
     * The point's warnings, its roofline violation included (once) as an error, and the precision it reached short
     * of its target as a note: the figures are right, only less tightly known than asked, and a 2-core host often
     * cannot do better within the time it was given.
     */
    @Override
    public List<Notice> notices(OfflinePoint p) {
        List<Notice> out = new ArrayList<>();
        String where = p.label();
        Roofline roof = p.roofline();
        String violation = roof == null ? null : roof.violation();
        boolean violationListed = false;
        for (String w : p.warnings()) {
            boolean loud = (violation != null && w.contains(violation)) || w.startsWith(Notice.MEASUREMENT_ERROR);
            violationListed |= loud;
            Notice.Level level = loud ? Notice.Level.ERROR : OfflineRunner.isImprecision(w) ? Notice.Level.NOTE
                    : Notice.Level.WARNING;
            out.add(new Notice(level, where, w));
        }
        if (violation != null && !violationListed) {
            out.add(new Notice(Notice.Level.ERROR, where, Notice.MEASUREMENT_ERROR + ": " + violation));
        }
        return out;
    }

    /** One note for the points whose working set fits in cache: on a CPU with a small model that is every point. */
    @Override
    public List<Notice> notices(List<OfflinePoint> points) {
        List<String> cached = new ArrayList<>();
        for (OfflinePoint p : points) {
            if (p.roofline() != null && p.roofline().cacheResident()) {
                cached.add(p.label());
            }
        }
        if (cached.isEmpty()) {
            return List.of();
        }
        return List.of(new Notice(Notice.Level.NOTE, null, "the working set fits in the device's last-level cache,"
                + " so MBU above 100% is possible and not an error: " + (cached.size() == points.size()
                        && cached.size() > 1 ? "all points" : String.join("; ", cached))));
    }

    /**
     * A warning when a point's MBU or MFU divides by a measured ceiling whose repetitions spread
     * {@link DeviceCeilings#NOISY_SPREAD} or more: the same timings give a different utilization on the next run.
     */
    @Override
    public List<Notice> ceilingNotices(DeviceInfo device, List<OfflinePoint> points) {
        DeviceCeilings c = device.measured();
        if (c.repetitions() == 0 || points.stream().noneMatch(p -> p.roofline() != null)) {
            return List.of();
        }
        List<String> noisy = new ArrayList<>();
        if (c.noisyBandwidth()) {
            noisy.add("the memory bandwidth's median was " + percent(c.memoryBandwidthSpread()) + " below the best ("
                    + TextTable.bandwidth(c.memoryBandwidth()) + ", kept), which MBU divides by");
        }
        if (c.noisyFlops()) {
            noisy.add("the FLOP/s' median was " + percent(c.flopsSpread()) + " below the best ("
                    + TextTable.flops(c.flops()) + ", kept), which MFU divides by");
        }
        if (noisy.isEmpty()) {
            return List.of();
        }
        return List.of(new Notice(Notice.Level.WARNING, null, "noisy ceiling: of its " + c.repetitions()
                + " repetitions, " + String.join("; ", noisy) + ": those utilization figures are uncertain by about"
                + " as much and may differ between runs (a busy host while the ceilings were measured is the usual"
                + " cause)"));
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }

    @Override
    public List<Metric<OfflinePoint>> metrics() {
        return METRICS;
    }

    @Override
    public Significance significance(OfflineSpec spec) {
        return Significance.TRIALS;
    }

    /** A metric's value for each trial, checked: a result read from a file may hold anything. */
    private static double[] samples(OfflinePoint p, ToDoubleFunction<TrialRecord> metric, String label) {
        List<TrialRecord> trials = p.trials();
        if (trials.isEmpty()) {
            throw new IllegalArgumentException("malformed result: the point has no trials");
        }
        double[] out = new double[trials.size()];
        for (int i = 0; i < out.length; i++) {
            TrialRecord t = trials.get(i);
            if (t == null || t.decodeStepMs() == null) {
                throw new IllegalArgumentException("malformed result: trial " + i + " has no timings");
            }
            if (t.decodeStepMs().length != p.outputLength() - 1) {
                throw new IllegalArgumentException("malformed result: trial " + i + " has " + t.decodeStepMs().length
                        + " decode steps; output length " + p.outputLength() + " needs " + (p.outputLength() - 1));
            }
            out[i] = metric.applyAsDouble(t);
            if (!Double.isFinite(out[i]) || out[i] <= 0) {
                throw new IllegalArgumentException("malformed result: trial " + i + " gives " + label + " = "
                        + out[i] + "; timings must be positive");
            }
        }
        return out;
    }

    private static double meanStep(TrialRecord t) {
        double sum = 0;
        for (double s : t.decodeStepMs()) {
            sum += s;
        }
        return sum / t.decodeStepMs().length;
    }
}
