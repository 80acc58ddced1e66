package dev.tokenmeter.compare;

import dev.tokenmeter.result.RunFigure;
import dev.tokenmeter.result.Significance;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The immutable outcome of comparing a candidate result with a baseline of the same scenario: one
 * {@link MetricChange} per metric of every point the two share, each point's {@link PointChange} where the scenario
 * judges points, the figures of the whole runs, the points only one of them has, and what a reader must know.
 *
 * @param baseline        what the baseline was
 * @param candidate       what the candidate was
 * @param scenario        the scenario's name
 * @param significance    how the metrics were tested
 * @param alpha           significance level (0.05); Holm-adjusted p-values below it are significant
 * @param keyHeaders      the headers of the columns that name a point
 * @param changes         by point (baseline order), then metric
 * @param points          the judged points' verdicts, in baseline order; empty where the scenario judges none
 * @param runFigures      each figure of the whole runs, on both sides
 * @param onlyInBaseline  labels of the points the candidate lacks: listed, not compared
 * @param onlyInCandidate labels of the points the baseline lacks: listed, not compared
 * @param differences     how the runs differ in setup; empty unless the comparison was forced
 * @param warnings        everything else worth knowing before trusting the changes
 * @param missing         what the candidate lacks, one sentence each: that it is an incomplete run, and the
 *                        baseline's points it lacks where the spec fixes the points (not a search's probes, which
 *                        two runs need not share); a regression gate never passes on any
 */
public record Comparison(Side baseline, Side candidate, String scenario, Significance significance, double alpha,
        List<String> keyHeaders, List<MetricChange> changes, List<PointChange> points,
        List<RunFigureChange> runFigures, List<String> onlyInBaseline, List<String> onlyInCandidate,
        List<String> differences, List<String> warnings, List<String> missing) {

    /**
     * One of the two results, as a report names it.
     *
     * @param label     how the user named it (a file name, or "baseline")
     * @param model     the model's name
     * @param backend   the backend that ran it
     * @param device    the device's name
     * @param version   tokenmeter's version and commit that measured it
     * @param startedAt when the run started (ISO-8601)
     */
    public record Side(String label, String model, String backend, String device, String version,
            String startedAt) {
        public Side {
            Objects.requireNonNull(label, "label");
        }
    }

    /** A figure of the whole runs on both sides (NaN where a side has none). */
    public record RunFigureChange(String label, String unit, double baseline, double candidate) {
        static RunFigureChange of(RunFigure a, RunFigure b) {
            return new RunFigureChange(a != null ? a.label() : b.label(), a != null ? a.unit() : b.unit(),
                    a == null ? Double.NaN : a.value(), b == null ? Double.NaN : b.value());
        }

        /** (candidate − baseline) / baseline; NaN where a side has none. */
        public double relativeChange() {
            return (candidate - baseline) / baseline;
        }
    }

    public Comparison {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        keyHeaders = List.copyOf(keyHeaders);
        changes = List.copyOf(changes);
        points = List.copyOf(points);
        runFigures = List.copyOf(runFigures);
        onlyInBaseline = List.copyOf(onlyInBaseline);
        onlyInCandidate = List.copyOf(onlyInCandidate);
        differences = List.copyOf(differences);
        warnings = List.copyOf(warnings);
        missing = List.copyOf(missing);
    }

    /** Whether the metrics were tested for significance (not single runs). */
    public boolean tested() {
        return significance == Significance.TRIALS;
    }

    /** Significant regressions, worst first. */
    public List<MetricChange> regressions() {
        return changes.stream().filter(m -> m.verdict() == Verdict.REGRESSION)
                .sorted(Comparator.comparingDouble(MetricChange::worsening).reversed()).toList();
    }

    /** Significant improvements, in table order. */
    public List<MetricChange> improvements() {
        return changes.stream().filter(m -> m.verdict() == Verdict.IMPROVEMENT).toList();
    }

    /** Significant regressions worse than {@code threshold} (0.03 = 3%), worst first. */
    public List<MetricChange> regressionsBeyond(double threshold) {
        return regressions().stream().filter(m -> m.regressionBeyond(threshold)).toList();
    }

    /** Rows that were tested (both sides had at least two samples). */
    public int testedRows() {
        return (int) changes.stream().filter(m -> m.verdict() != Verdict.TOO_FEW_TRIALS
                && m.verdict() != Verdict.NOT_TESTED).count();
    }

    /** Distinct measurements tested: Holm's family size. */
    public int testedMeasurements() {
        return (int) changes.stream().filter(m -> m.verdict() != Verdict.TOO_FEW_TRIALS
                && m.verdict() != Verdict.NOT_TESTED).map(m -> m.point() + "\u0000" + m.metric().measurement())
                .distinct().count();
    }

    /** Points whose verdict got worse, in table order: they fail a regression gate. */
    public List<PointChange> verdictRegressions() {
        return points.stream().filter(p -> p.verdict() == Verdict.REGRESSION).toList();
    }

    /** Points whose verdict got better, in table order. */
    public List<PointChange> verdictImprovements() {
        return points.stream().filter(p -> p.verdict() == Verdict.IMPROVEMENT).toList();
    }
}
