package dev.tokenmeter.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * One measured point as the plan sees it (for the asked length mix), and whether it meets the constraints; a
 * serving point that is not steady-state ({@link PointEstimate#disqualified}) meets none.
 *
 * @param violations what it breaks; empty when it meets every constraint
 */
public record Candidate(PointEstimate estimate, boolean meets, List<String> violations) {
    public Candidate {
        violations = List.copyOf(violations);
    }

    static Candidate of(PointEstimate e, Constraints c) {
        List<String> v = new ArrayList<>();
        if (e.disqualified() != null) {
            v.add(e.disqualified());
        }
        v.addAll(c.violations(e));
        return new Candidate(e, v.isEmpty(), v);
    }
}
