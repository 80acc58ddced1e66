package dev.tokenmeter.compare;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.endpoint.EndpointBackend;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Judgement;
import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunFigure;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.result.SetupField;
import dev.tokenmeter.result.Significance;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares a candidate result with a baseline of the same scenario, point by point and metric by metric, with the
 * metric vocabulary and the significance rule the scenario gives ({@link ScenarioType#metrics()},
 * {@link ScenarioType#significance}): the trials' rule where either result has samples to test.
 *
 * <p>Points are matched by their label; a point only one result has is listed, not compared. The two runs must
 * have measured the same model on the same backend and device, and share the scenario's setup fields
 * ({@link ScenarioType#setup()}), or the comparison would show the setups' difference rather than the code's:
 * otherwise it is refused with an {@link IncompatibleResultsException} naming every difference, unless forced, in
 * which case the differences travel with the comparison. Results of two scenarios are never compared.
 *
 * <p>Significance, where the scenario's samples are trials: a metric has changed when Welch's t-test (means) and
 * the Mann–Whitney U test (ranks) both say so, that is when the larger of their p-values is small; that p-value is
 * Holm-adjusted over every distinct measurement of every point compared (metrics made of the same samples, such as
 * an offline trial's TPOT and mean decode step, are tested once), so that two runs of the same code are reported as
 * different in fewer than {@code alpha} of comparisons however many points and metrics they hold. Where each point
 * is a single run, each change is reported and never called significant; what is compared as a fact is each
 * point's judgement, where the scenario has one ({@link PointChange}).
 */
public final class Comparer {
    public static final double DEFAULT_ALPHA = 0.05;

    private final double alpha;
    private final boolean force;

    /**
     * @param alpha  significance level, in (0, 0.5]
     * @param force  compare results of different models, backends, devices or setups, with warnings
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
     * @throws IllegalArgumentException     when they are of two scenarios, share no point, or a result is malformed
     *                                      (named)
     */
    public Comparison compare(String baselineLabel, Result baseline, String candidateLabel, Result candidate) {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        if (baseline.type() != candidate.type()) {
            throw new IllegalArgumentException(baselineLabel + " is " + article(baseline.scenario()) + " result and "
                    + candidateLabel + " " + article(candidate.scenario()) + " one: their points have nothing to"
                    + " match; compare two results of the same scenario (forcing does not change this)");
        }
        List<String> differences = differences(baselineLabel, baseline, candidateLabel, candidate);
        if (!differences.isEmpty() && !force) {
            throw new IncompatibleResultsException(baselineLabel, candidateLabel, differences);
        }
        return compare(baseline.type(), baselineLabel, baseline, candidateLabel, candidate, differences);
    }

    private <S extends ScenarioSpec, P extends ScenarioPoint> Comparison compare(ScenarioType<S, P> type,
            String labelA, Result a, String labelB, Result b, List<String> differences) {
        Map<String, P> pointsA = byLabel(labelA, a.points(type.pointType()));
        Map<String, P> pointsB = byLabel(labelB, b.points(type.pointType()));
        List<String> onlyA = pointsA.keySet().stream().filter(k -> !pointsB.containsKey(k)).toList();
        List<String> onlyB = pointsB.keySet().stream().filter(k -> !pointsA.containsKey(k)).toList();
        if (onlyA.size() == pointsA.size()) {
            throw new IllegalArgumentException(labelA + " and " + labelB + " have no point in common: " + labelA
                    + " has " + names(pointsA.keySet()) + "; " + labelB + " has " + names(pointsB.keySet()));
        }

        // Tested where either side has samples to test: a side of single runs then shows as too few trials.
        Significance significance = significance(type, a, b);
        boolean tested = significance == Significance.TRIALS;
        List<Row> rows = new ArrayList<>();
        List<PointChange> judged = new ArrayList<>();
        for (Map.Entry<String, P> e : pointsA.entrySet()) {
            P pa = e.getValue();
            P pb = pointsB.get(e.getKey());
            if (pb == null) {
                continue;
            }
            List<String> key = List.of(cells(type.tables().key(), pa));
            for (Metric<P> m : type.metrics()) {
                if (!type.comparable(m, pa, pb)) {
                    continue;
                }
                double[] sa = samples(labelA, pa, m);
                double[] sb = samples(labelB, pb, m);
                if (sa.length > 0 && sb.length > 0) {
                    rows.add(new Row(e.getKey(), key, m, TwoSamples.of(sa, sb)));
                }
            }
            Judgement ja = type.judge(pa);
            Judgement jb = type.judge(pb);
            if (ja != null && jb != null) {
                judged.add(new PointChange(e.getKey(), ja, jb));
            }
        }
        double[] adjusted = tested ? holm(rows) : new double[rows.size()];
        List<MetricChange> changes = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            changes.add(change(rows.get(i), tested, tested ? adjusted[i] : Double.NaN));
        }

        List<String> warnings = new ArrayList<>();
        String across = targetNote(labelA, a, labelB, b);
        if (across != null) {
            warnings.add(across);
        }
        for (String d : differences) {
            warnings.add("compared although the runs differ: " + d);
        }
        warnings.addAll(runWarnings(type, labelA, a, pointsA));
        warnings.addAll(runWarnings(type, labelB, b, pointsB));
        warnings.addAll(busyHost(labelA, a));
        warnings.addAll(busyHost(labelB, b));
        List<String> keyHeaders = type.tables().key().stream().map(Column::header).toList();
        return new Comparison(side(labelA, a), side(labelB, b), type.name(), significance, alpha, keyHeaders,
                changes, judged, runFigures(type.runFigures(a.points(type.pointType())),
                        type.runFigures(b.points(type.pointType()))), onlyA, onlyB, differences, warnings,
                missing(type, labelA, a, labelB, b, onlyA));
    }

    /**
     * What the candidate lacks: the points it never measured, since it stopped early, and the baseline's points it
     * does not have, where the spec fixes the points a run measures ({@link ScenarioType#fixesPoints}).
     */
    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<String> missing(ScenarioType<S, P> type,
            String labelA, Result a, String labelB, Result b, List<String> onlyA) {
        List<String> out = new ArrayList<>();
        if (!b.complete()) {
            out.add(labelB + " is an incomplete run: it stopped before all its points were measured");
        }
        if (!onlyA.isEmpty() && type.fixesPoints(type.specType().cast(a.spec().scenario()))) {
            out.add(labelB + " lacks " + (onlyA.size() == 1 ? "a point" : onlyA.size() + " points") + " that "
                    + labelA + " has: " + String.join("; ", onlyA));
        }
        return out;
    }

    /** The trials' rule where either result's spec has samples to test, else not tested. */
    private static <S extends ScenarioSpec, P extends ScenarioPoint> Significance significance(
            ScenarioType<S, P> type, Result a, Result b) {
        boolean trials = type.significance(type.specType().cast(a.spec().scenario())) == Significance.TRIALS
                || type.significance(type.specType().cast(b.spec().scenario())) == Significance.TRIALS;
        return trials ? Significance.TRIALS : Significance.NOT_TESTED;
    }

    /** One metric of one point, both sides' samples (package-private for {@link #holm}'s tests). */
    record Row(String point, List<String> key, Metric<?> metric, TwoSamples stats) {
    }

    private MetricChange change(Row r, boolean tested, double pAdjusted) {
        TwoSamples s = r.stats();
        Verdict verdict;
        boolean significant = false;
        if (!tested) {
            verdict = Verdict.NOT_TESTED;
        } else if (!s.testable()) {
            verdict = Verdict.TOO_FEW_TRIALS;
        } else {
            significant = pAdjusted < alpha;
            double worse = r.metric().worsening(s.relativeChange());
            verdict = !significant || worse == 0 ? Verdict.NO_SIGNIFICANT_CHANGE
                    : worse > 0 ? Verdict.REGRESSION : Verdict.IMPROVEMENT;
        }
        return new MetricChange(r.point(), r.key(), r.metric(), s.nA(), s.nB(), s.medianA(), s.meanA(), s.medianB(),
                s.meanB(), s.relativeChange(), s.relativeCiLow(), s.relativeCiHigh(), s.pMannWhitney(), s.pWelch(),
                pAdjusted, significant, verdict);
    }

    /**
     * Holm's step-down adjustment of each testable row's p-value (the larger of its two tests'), over the distinct
     * measurements: rows of one point whose metric names the same measurement share one test, counted once, and
     * take its adjusted p-value; NaN for rows without a test. Controls the chance of any false "significant" at
     * alpha, under any dependence between measurements.
     */
    static double[] holm(List<Row> rows) {
        double[] out = new double[rows.size()];
        Arrays.fill(out, Double.NaN);
        Map<String, List<Integer>> families = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).stats().testable()) {
                families.computeIfAbsent(rows.get(i).point() + "\u0000" + rows.get(i).metric().measurement(),
                        k -> new ArrayList<>()).add(i);
            }
        }
        // A measurement's test is its first row's.
        List<List<Integer>> order = new ArrayList<>(families.values());
        order.sort((x, y) -> Double.compare(rows.get(x.get(0)).stats().pBoth(), rows.get(y.get(0)).stats().pBoth()));
        int m = order.size();
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            List<Integer> family = order.get(rank);
            running = Math.max(running, Math.min(1.0, (m - rank) * rows.get(family.get(0)).stats().pBoth()));
            for (int i : family) {
                out[i] = running;
            }
        }
        return out;
    }

    /** A metric's samples for a point, with the result and point named where the file is malformed. */
    private static <P extends ScenarioPoint> double[] samples(String label, P point, Metric<P> m) {
        try {
            return m.samples().apply(point);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(label + ", " + point.label() + ": " + e.getMessage(), e);
        }
    }

    private static <P extends ScenarioPoint> Map<String, P> byLabel(String label, List<P> points) {
        Map<String, P> out = new LinkedHashMap<>();
        for (P p : points) {
            if (p == null || p.label() == null) {
                throw new IllegalArgumentException(label + ": malformed result: a point without a label");
            }
            if (out.put(p.label(), p) != null) {
                throw new IllegalArgumentException(label + ": malformed result: " + p.label() + " is listed twice");
            }
        }
        return out;
    }

    private static <P> String[] cells(List<Column<P>> columns, P point) {
        return columns.stream().map(c -> c.cell().apply(point)).toArray(String[]::new);
    }

    private static List<Comparison.RunFigureChange> runFigures(List<RunFigure> a, List<RunFigure> b) {
        List<Comparison.RunFigureChange> out = new ArrayList<>();
        for (RunFigure fa : a) {
            RunFigure fb = b.stream().filter(f -> f.label().equals(fa.label())).findFirst().orElse(null);
            out.add(Comparison.RunFigureChange.of(fa, fb));
        }
        for (RunFigure fb : b) {
            if (a.stream().noneMatch(f -> f.label().equals(fb.label()))) {
                out.add(Comparison.RunFigureChange.of(null, fb));
            }
        }
        return out;
    }

    /**
     * How the two runs' setups differ, one item per difference, each naming both values: the model (by name where
     * the names differ, else field by field: sizes, dtype...), the backend that ran, the device's name, and the
     * scenario's setup fields ({@link ScenarioType#setup()}). Whatever else may differ (seeds of an offline run,
     * thread counts, trial policies, tokenmeter versions): comparing those is the point.
     */
    public static List<String> differences(String labelA, Result a, String labelB, Result b) {
        List<String> out = new ArrayList<>();
        ModelConfig ma = a.spec().model();
        ModelConfig mb = b.spec().model();
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
        DeviceInfo da = device(a);
        DeviceInfo db = device(b);
        // Across targets (an endpoint on either side) the backends and devices differ by design: a note, not a
        // refusal (targetNote).
        if (targetNote(labelA, a, labelB, b) == null) {
            differ(out, "backend", da == null ? null : da.backend(), db == null ? null : db.backend(), labelA,
                    labelB);
            differ(out, "device", da == null ? null : da.name(), db == null ? null : db.name(), labelA, labelB);
        }
        if (a.type() == b.type()) {
            for (SetupField f : a.type().setup()) {
                if (f.applies().test(a.spec()) && f.applies().test(b.spec())) {
                    differ(out, f.describe(), f.value().apply(a.spec()), f.value().apply(b.spec()), labelA, labelB);
                }
            }
        }
        return out;
    }

    /**
     * Where either result was measured through an endpoint, and the two did not run on the same target: what each
     * ran on, so that a reader knows the difference includes the HTTP layer and the server; null otherwise.
     */
    static String targetNote(String labelA, Result a, String labelB, Result b) {
        DeviceInfo da = device(a);
        DeviceInfo db = device(b);
        if (da == null || db == null || !(endpoint(da) || endpoint(db))
                || (da.backend().equals(db.backend()) && da.name().equals(db.name()))) {
            return null;
        }
        return "compared across targets: " + target(da) + " in " + labelA + ", " + target(db) + " in " + labelB
                + ": the differences include the HTTP layer and the server, not only the engine";
    }

    private static boolean endpoint(DeviceInfo d) {
        return EndpointBackend.NAME.equals(d.backend());
    }

    private static String target(DeviceInfo d) {
        return endpoint(d) ? "endpoint " + d.name() : "in-process " + d.backend() + " (" + d.name() + ")";
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

    /** An incomplete run, and every error notice of a point (its figures are wrong or partial). */
    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<String> runWarnings(ScenarioType<S, P> type,
            String label, Result r, Map<String, P> points) {
        List<String> out = new ArrayList<>();
        if (!r.complete()) {
            out.add(label + " is an incomplete run (it stopped before all its points were measured)");
        }
        for (P p : points.values()) {
            for (Notice n : type.notices(p)) {
                if (n.level() == Notice.Level.ERROR) {
                    out.add(label + ", " + p.label() + ": " + n.text() + "; its figures are suspect");
                }
            }
        }
        return out;
    }

    /**
     * A line when {@code r} was measured on a busy host ({@link HostActivity}), naming the side and what the host
     * did: a busy side's figures are slower and noisier than its code, and a change may be the host's.
     */
    private static List<String> busyHost(String label, Result r) {
        HostActivity host = r.environment() == null ? null : r.environment().host();
        if (host == null || !host.busy()) {
            return List.of();
        }
        return List.of(label + " was measured on a busy host: " + host.describe() + " during the run; its figures"
                + " may be slower and noisier than its code, so a change may be the host's");
    }

    /** One result as a report names it. */
    static Comparison.Side side(String label, Result r) {
        DeviceInfo d = device(r);
        Environment env = r.environment();
        String version = env == null ? null : env.tokenmeterVersion() + " (commit " + env.gitCommit() + ")";
        return new Comparison.Side(label, r.spec().model().name(), d == null ? null : d.backend(),
                d == null ? null : d.name(), version, r.startedAt());
    }

    /** "an offline", "a serving". */
    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }

    private static String names(Iterable<String> labels) {
        List<String> out = new ArrayList<>();
        for (String k : labels) {
            out.add("(" + k + ")");
        }
        return out.isEmpty() ? "no points" : String.join(", ", out);
    }
}
