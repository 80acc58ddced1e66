package dev.tokenmeter.compare;

import java.util.List;
import java.util.Objects;

/**
 * The immutable outcome of comparing two serving results: one {@link ServingPointChange} per point the two share,
 * the points only one of them has, the SLO searches' answers, and what a reader must know. Unlike an offline
 * {@link Comparison} nothing here is tested: each point is one run (see {@link ServingChange}); only the points'
 * verdicts, which are yes-or-no facts of each run, are judged.
 *
 * @param baseline        what the baseline was
 * @param candidate       what the candidate was
 * @param points          the points both have, in the baseline's run order
 * @param onlyInBaseline  points the candidate lacks: listed, not compared
 * @param onlyInCandidate points the baseline lacks: listed, not compared
 * @param search          the SLO searches' answers, or null when neither result is a search
 * @param differences     how the runs differ in setup (model, backend, device, serving spec); empty unless the
 *                        comparison was forced
 * @param warnings        everything else worth knowing before trusting the differences
 */
public record ServingComparison(Comparison.Side baseline, Comparison.Side candidate, List<ServingPointChange> points,
        List<ServingPointKey> onlyInBaseline, List<ServingPointKey> onlyInCandidate, Search search,
        List<String> differences, List<String> warnings) {

    /**
     * What each side's {@code --search} found: the highest probed rate that passed (SLOs met, not overloaded),
     * requests per second; NaN when no probe passed (or the side is no search).
     */
    public record Search(double baselineHighestPassing, double candidateHighestPassing) {
        /** (candidate − baseline) / baseline; NaN where either side found none. */
        public double relativeChange() {
            return (candidateHighestPassing - baselineHighestPassing) / baselineHighestPassing;
        }
    }

    public ServingComparison {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        points = List.copyOf(points);
        onlyInBaseline = List.copyOf(onlyInBaseline);
        onlyInCandidate = List.copyOf(onlyInCandidate);
        differences = List.copyOf(differences);
        warnings = List.copyOf(warnings);
    }

    /** Every metric's difference, by point, then metric. */
    public List<ServingChange> changes() {
        return points.stream().flatMap(p -> p.changes().stream()).toList();
    }

    /**
     * Points whose verdict got worse (they passed and now fail, or became OVERLOADED), in table order: what fails
     * a regression gate.
     */
    public List<ServingPointChange> regressions() {
        return points.stream().filter(p -> p.verdict() == Verdict.REGRESSION).toList();
    }

    /** Points whose verdict got better, in table order. */
    public List<ServingPointChange> improvements() {
        return points.stream().filter(p -> p.verdict() == Verdict.IMPROVEMENT).toList();
    }
}
