package dev.tokenmeter.compare;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.TrialRecord;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares a candidate offline result ({@code tokenmeter run}) with a baseline, point by point and metric by metric,
 * on the per-trial samples. Serving results have no trials to test; {@link ServingComparer} compares them.
 *
 * <p>Points are matched by (batch, prompt length, output length); a point only one result has is listed, not
 * compared. The two runs must have measured the same model on the same backend, scenario and device, or the
 * comparison would show the setups' difference rather than the code's: otherwise it is refused with an
 * {@link IncompatibleResultsException} naming every difference, unless forced, in which case the differences
 * travel with the comparison.
 *
 * <p>Significance: a metric has changed when Welch's t-test (means) and the Mann–Whitney U test (ranks) both say
 * so, that is when the larger of their p-values is small; that p-value is Holm-adjusted over every metric of
 * every point compared, so that two runs of the same code are reported as different in fewer than
 * {@code alpha} of comparisons however many points and metrics they hold.
 */
public final class Comparer {
    public static final double DEFAULT_ALPHA = 0.05;

    private final double alpha;
    private final boolean force;

    /**
     * @param alpha  significance level, in (0, 0.5]
     * @param force  compare results of different models, backends, scenarios or devices, with warnings
     */
    public Comparer(double alpha, boolean force) {
        if (!(alpha > 0) || !(alpha <= 0.5)) {
            throw new IllegalArgumentException("alpha (the significance level) must be in (0, 0.5], got " + alpha);
        }
        this.alpha = alpha;
        this.force = force;
    }

    /** Significance level 0.05, incompatible results refused. */
    public static Comparer defaults() {
        return new Comparer(DEFAULT_ALPHA, false);
    }

    public Comparison compare(Result baseline, Result candidate) {
        return compare("baseline", baseline, "candidate", candidate);
    }

    /**
     * @param baselineLabel  how messages name the baseline (its file name, say)
     * @param candidateLabel how messages name the candidate
     * @throws IncompatibleResultsException when the runs differ in setup and this comparer does not force
     * @throws IllegalArgumentException     when they share no point, a result is malformed (named), or either is
     *                                      a serving result
     */
    public Comparison compare(String baselineLabel, Result baseline, String candidateLabel, Result candidate) {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        requireSameScenario(baselineLabel, baseline, candidateLabel, candidate);
        if (ServingComparer.isServing(baseline)) {
            throw new IllegalArgumentException(baselineLabel + " and " + candidateLabel + " are serving results;"
                    + " ServingComparer compares them");
        }
        List<String> differences = differences(baselineLabel, baseline, candidateLabel, candidate);
        if (!differences.isEmpty() && !force) {
            throw new IncompatibleResultsException(baselineLabel, candidateLabel, differences);
        }
        Map<PointKey, PointResult> a = byPoint(baselineLabel, baseline);
        Map<PointKey, PointResult> b = byPoint(candidateLabel, candidate);
        List<PointKey> onlyA = a.keySet().stream().filter(k -> !b.containsKey(k)).sorted().toList();
        List<PointKey> onlyB = b.keySet().stream().filter(k -> !a.containsKey(k)).sorted().toList();
        if (onlyA.size() == a.size()) {
            throw new IllegalArgumentException(baselineLabel + " and " + candidateLabel + " have no point in common: "
                    + baselineLabel + " has " + names(a.keySet()) + "; " + candidateLabel + " has "
                    + names(b.keySet()));
        }

        List<PointKey> keys = new ArrayList<>();
        List<Metric> metrics = new ArrayList<>();
        List<TwoSamples> stats = new ArrayList<>();
        for (Map.Entry<PointKey, PointResult> e : a.entrySet()) {
            PointKey key = e.getKey();
            PointResult pb = b.get(key);
            if (pb == null) {
                continue;
            }
            for (Metric m : Metric.values()) {
                if (!m.definedFor(key.outputLength())) {
                    continue;
                }
                keys.add(key);
                metrics.add(m);
                stats.add(TwoSamples.of(samples(baselineLabel, e.getValue(), m),
                        samples(candidateLabel, pb, m)));
            }
        }
        double[] adjusted = holm(stats);
        List<MetricChange> changes = new ArrayList<>();
        for (int i = 0; i < stats.size(); i++) {
            changes.add(change(keys.get(i), metrics.get(i), stats.get(i), adjusted[i]));
        }

        List<String> warnings = new ArrayList<>();
        for (String d : differences) {
            warnings.add("compared although the runs differ: " + d);
        }
        warnings.addAll(runWarnings(baselineLabel, baseline, a));
        warnings.addAll(runWarnings(candidateLabel, candidate, b));
        return new Comparison(side(baselineLabel, baseline), side(candidateLabel, candidate), alpha, changes, onlyA,
                onlyB, differences, warnings);
    }

    /**
     * Refuses to compare a serving result with an offline one, naming which is which, whether forced or not: a
     * static batch and a request rate are not the same point under any setup, so there is nothing to match.
     *
     * @throws IllegalArgumentException when exactly one of the two is a serving result
     */
    public static void requireSameScenario(String baselineLabel, Result baseline, String candidateLabel,
            Result candidate) {
        boolean servingA = ServingComparer.isServing(baseline);
        if (servingA != ServingComparer.isServing(candidate)) {
            String serving = servingA ? baselineLabel : candidateLabel;
            String offline = servingA ? candidateLabel : baselineLabel;
            throw new IllegalArgumentException(serving + " is a serving result (tokenmeter serve) and " + offline
                    + " an offline one (tokenmeter run): their points have nothing to match; compare two results"
                    + " of the same scenario (forcing does not change this)");
        }
    }

    private MetricChange change(PointKey key, Metric m, TwoSamples s, double pAdjusted) {
        Verdict verdict;
        boolean significant = false;
        if (!s.testable()) {
            verdict = Verdict.TOO_FEW_TRIALS;
        } else {
            significant = pAdjusted < alpha;
            double worse = m.direction() == Metric.Direction.HIGHER_IS_BETTER ? -s.relativeChange()
                    : s.relativeChange();
            verdict = !significant || worse == 0 ? Verdict.NO_SIGNIFICANT_CHANGE
                    : worse > 0 ? Verdict.REGRESSION : Verdict.IMPROVEMENT;
        }
        return new MetricChange(key, m, s.nA(), s.nB(), s.medianA(), s.meanA(), s.medianB(), s.meanB(),
                s.relativeChange(), s.relativeCiLow(), s.relativeCiHigh(), s.pMannWhitney(), s.pWelch(), pAdjusted,
                significant, verdict);
    }

    /**
     * Holm's step-down adjustment of each testable comparison's p-value (the larger of its two tests'); NaN for
     * the others. Controls the chance of any false "significant" at alpha, under any dependence between metrics.
     */
    static double[] holm(List<TwoSamples> stats) {
        double[] out = new double[stats.size()];
        Arrays.fill(out, Double.NaN);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < stats.size(); i++) {
            if (stats.get(i).testable()) {
                order.add(i);
            }
        }
        order.sort((x, y) -> Double.compare(stats.get(x).pBoth(), stats.get(y).pBoth()));
        int m = order.size();
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            int i = order.get(rank);
            running = Math.max(running, Math.min(1.0, (m - rank) * stats.get(i).pBoth()));
            out[i] = running;
        }
        return out;
    }

    /** The metric's value for each trial, checked: a result read from a file may hold anything. */
    private static double[] samples(String label, PointResult p, Metric m) {
        List<TrialRecord> trials = p.trials();
        String where = label + ", " + PointKey.of(p);
        if (trials.isEmpty()) {
            throw new IllegalArgumentException(where + ": malformed result: the point has no trials");
        }
        double[] out = new double[trials.size()];
        for (int i = 0; i < out.length; i++) {
            TrialRecord t = trials.get(i);
            if (t == null || t.decodeStepMs() == null) {
                throw new IllegalArgumentException(where + ": malformed result: trial " + i + " has no timings");
            }
            if (t.decodeStepMs().length != p.outputLength() - 1) {
                throw new IllegalArgumentException(where + ": malformed result: trial " + i + " has "
                        + t.decodeStepMs().length + " decode steps; output length " + p.outputLength() + " needs "
                        + (p.outputLength() - 1));
            }
            out[i] = m.sample(p.batch(), p.outputLength(), t);
            if (!Double.isFinite(out[i]) || out[i] <= 0) {
                throw new IllegalArgumentException(where + ": malformed result: trial " + i + " gives " + m.label()
                        + " = " + out[i] + " (" + m.unit() + "); timings must be positive");
            }
        }
        return out;
    }

    private static Map<PointKey, PointResult> byPoint(String label, Result r) {
        if (r.points() == null) {
            throw new IllegalArgumentException(label + ": malformed result: no points");
        }
        Map<PointKey, PointResult> out = new LinkedHashMap<>();
        for (PointResult p : r.points()) {
            if (out.put(PointKey.of(p), p) != null) {
                throw new IllegalArgumentException(label + ": malformed result: " + PointKey.of(p)
                        + " is listed twice");
            }
        }
        return out;
    }

    /**
     * How the two runs' setups differ, one item per difference, each naming both values: the scenario, the model
     * (by name where the names differ, else field by field: sizes, dtype...), the backend that ran and the
     * device's name. Seeds,
     * thread counts, trial policies and tokenmeter versions may differ: comparing those is the point.
     */
    public static List<String> differences(String labelA, Result a, String labelB, Result b) {
        List<String> out = new ArrayList<>();
        differ(out, "scenario", a.scenario(), b.scenario(), labelA, labelB);
        ModelConfig ma = a.spec() == null ? null : a.spec().model();
        ModelConfig mb = b.spec() == null ? null : b.spec().model();
        if (ma == null || mb == null) {
            differ(out, "model", ma == null ? null : ma.name(), mb == null ? null : mb.name(), labelA, labelB);
        } else {
            // Every component of the record, so that a field added to ModelConfig is compared without a change here.
            List<String> fields = new ArrayList<>();
            for (RecordComponent c : ModelConfig.class.getRecordComponents()) {
                if (!c.getName().equals("name")) {
                    differ(fields, "model " + c.getName(), component(c, ma), component(c, mb), labelA, labelB);
                }
            }
            if (!ma.name().equals(mb.name())) {
                // Two different models: their names say it; the fields that differ are named, not listed with values.
                String also = fields.stream().map(f -> f.substring("model ".length(), f.indexOf(':')))
                        .reduce((x, y) -> x + ", " + y).map(f -> " (they also differ in " + f + ")").orElse("");
                out.add("model: " + ma.name() + " in " + labelA + ", " + mb.name() + " in " + labelB + also);
            } else {
                out.addAll(fields);
            }
        }
        DeviceInfo da = device(a);
        DeviceInfo db = device(b);
        differ(out, "backend", da == null ? null : da.backend(), db == null ? null : db.backend(), labelA, labelB);
        differ(out, "device", da == null ? null : da.name(), db == null ? null : db.name(), labelA, labelB);
        return out;
    }

    private static void differ(List<String> out, String what, Object a, Object b, String labelA, String labelB) {
        if (!Objects.equals(a, b)) {
            out.add(what + ": " + shown(a) + " in " + labelA + ", " + shown(b) + " in " + labelB);
        }
    }

    private static String shown(Object value) {
        return value == null ? "(not recorded)" : value.toString();
    }

    private static Object component(RecordComponent c, ModelConfig m) {
        try {
            return c.getAccessor().invoke(m);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read ModelConfig." + c.getName(), e);
        }
    }

    private static DeviceInfo device(Result r) {
        Environment env = r.environment();
        return env == null ? null : env.device();
    }

    private static List<String> runWarnings(String label, Result r, Map<PointKey, PointResult> points) {
        List<String> out = new ArrayList<>();
        if (!r.complete()) {
            out.add(label + " is an incomplete run (it stopped before all its points were measured)");
        }
        for (PointResult p : points.values()) {
            boolean error = p.roofline() != null && p.roofline().violation() != null;
            for (String w : p.warnings() == null ? List.<String>of() : p.warnings()) {
                error |= w.startsWith("MEASUREMENT ERROR");
            }
            if (error) {
                out.add(label + ", " + PointKey.of(p) + ": a measurement error was recorded (a trial faster than the"
                        + " device's roofline); its figures are suspect");
            }
        }
        return out;
    }

    /** One result as a report names it; shared with {@link ServingComparer}. */
    static Comparison.Side side(String label, Result r) {
        DeviceInfo d = device(r);
        Environment env = r.environment();
        String version = env == null ? null : env.tokenmeterVersion() + " (commit " + env.gitCommit() + ")";
        return new Comparison.Side(label, r.spec() == null ? null : r.spec().model().name(),
                d == null ? null : d.backend(), d == null ? null : d.name(), version, r.startedAt());
    }

    private static String names(Iterable<PointKey> keys) {
        List<String> out = new ArrayList<>();
        for (PointKey k : keys) {
            out.add("(" + k + ")");
        }
        return out.isEmpty() ? "no points" : String.join(", ", out);
    }
}
