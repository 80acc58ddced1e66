package dev.tokenmeter.compare;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The immutable outcome of comparing a candidate result with a baseline: one {@link MetricChange} per metric of
 * every point the two share, the points only one of them has, and what a reader must know (differences that were
 * compared anyway, incomplete runs, measurement errors).
 *
 * @param baseline          what the baseline was
 * @param candidate         what the candidate was
 * @param alpha             significance level (0.05); Holm-adjusted p-values below it are significant
 * @param changes           by point (baseline order), then metric
 * @param onlyInBaseline    points the candidate lacks: listed, not compared
 * @param onlyInCandidate   points the baseline lacks: listed, not compared
 * @param differences       how the runs differ in model, backend, scenario or device; empty unless the
 *                          comparison was forced
 * @param warnings          everything else worth knowing before trusting the changes
 */
public record Comparison(Side baseline, Side candidate, double alpha, List<MetricChange> changes,
        List<PointKey> onlyInBaseline, List<PointKey> onlyInCandidate, List<String> differences,
        List<String> warnings) {

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

    public Comparison {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        changes = List.copyOf(changes);
        onlyInBaseline = List.copyOf(onlyInBaseline);
        onlyInCandidate = List.copyOf(onlyInCandidate);
        differences = List.copyOf(differences);
        warnings = List.copyOf(warnings);
    }

    /** Significant regressions, worst first. */
    public List<MetricChange> regressions() {
        return regressionsBeyond(Double.NEGATIVE_INFINITY);
    }

    /** Significant improvements, in table order. */
    public List<MetricChange> improvements() {
        return changes.stream().filter(c -> c.verdict() == Verdict.IMPROVEMENT).toList();
    }

    /**
     * Significant regressions whose change is worse than {@code threshold} (0.03: a throughput more than 3% lower
     * or a latency more than 3% higher), worst first. These are what fail a regression gate.
     */
    public List<MetricChange> regressionsBeyond(double threshold) {
        return changes.stream().filter(c -> c.regressionBeyond(threshold))
                .sorted(Comparator.comparingDouble(MetricChange::worsening).reversed()).toList();
    }

    /** How many metric changes had a test (two trials or more on each side): the family Holm adjusts over. */
    public int tested() {
        return (int) changes.stream().filter(c -> c.verdict() != Verdict.TOO_FEW_TRIALS).count();
    }
}
