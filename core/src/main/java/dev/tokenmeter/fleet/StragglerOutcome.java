package dev.tokenmeter.fleet;

import dev.tokenmeter.InvalidFieldException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link StragglerTest} found in a fleet.
 *
 * @param options  the options it ran with
 * @param findings the stragglers, one per flagged (rank, point), largest deficit first
 * @param all      every (rank, point) tested, flagged or not, by point and then in the ranks' order: the family
 *                 the Bonferroni correction counts
 * @param points   per point, the fleet's median throughput and spreads, tested or not
 * @param notes    what could not be tested and why, one sentence each ("point 0: 2 ranks, too few to test for
 *                 stragglers (needs 3)")
 */
public record StragglerOutcome(StragglerTest.Options options, List<Finding> findings, List<Finding> all,
        List<PointSpread> points, List<String> notes) {
    /** The order findings are listed in: largest deficit first, then by point and rank for a stable order. */
    static final Comparator<Finding> WORST_FIRST = Comparator.comparingDouble(Finding::deficit).reversed()
            .thenComparingInt(Finding::point).thenComparing(Finding::rankId);

    public StragglerOutcome {
        Objects.requireNonNull(options, "options");
        findings = List.copyOf(findings);
        all = List.copyOf(all);
        points = List.copyOf(points);
        notes = List.copyOf(notes);
        long flagged = all.stream().filter(Finding::straggler).count();
        if (findings.stream().anyMatch(f -> !f.straggler()) || flagged != findings.size()) {
            throw new InvalidFieldException("findings", "must be exactly the stragglers among all (" + flagged
                    + "), got " + findings.size() + " findings");
        }
    }

    /** How many (rank, point) pairs were tested: the family size M of the Bonferroni correction. */
    public int tests() {
        return all.size();
    }

    /** Whether any rank was flagged. */
    public boolean anyStraggler() {
        return !findings.isEmpty();
    }

    /**
     * The flagged ranks, one finding each: the point where it falls furthest behind (largest deficit), ranks with
     * the largest deficit first.
     */
    public List<Finding> stragglers() {
        Map<String, Finding> worst = new LinkedHashMap<>();
        for (Finding f : findings) { // already largest deficit first, so a rank's first finding is its worst
            worst.putIfAbsent(f.rankId(), f);
        }
        return worst.values().stream().sorted(WORST_FIRST).toList();
    }
}
