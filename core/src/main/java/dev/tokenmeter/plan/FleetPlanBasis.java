package dev.tokenmeter.plan;

import static dev.tokenmeter.result.TextTable.fixed;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.scenario.fleet.FleetPoint;
import dev.tokenmeter.scenario.fleet.FleetSpec;
import dev.tokenmeter.scenario.fleet.FleetSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A fleet's plan basis: at each point its ranks measured, the GPU at the fleet's plan percentile (not the mean GPU,
 * whose figures the slower part of the fleet does not reach), planned as that GPU's own result would be.
 */
final class FleetPlanBasis implements PlanBasis {
    private final PlanBasis inner;
    private final List<String> notes;

    private FleetPlanBasis(PlanBasis inner, List<String> notes) {
        this.inner = inner;
        this.notes = notes;
    }

    static PlanBasis of(Result result, FleetSpec spec, String source, PlanInputs in) {
        List<FleetPoint> points = result.points(FleetPoint.class);
        List<ScenarioPoint> chosen = new ArrayList<>();
        List<String> said = new ArrayList<>();
        for (FleetSummary s : FleetSummary.of(points, spec.planPercentile())) {
            FleetPoint gpu = points.stream().filter(p -> p.measured() && p.label().equals(s.planGpu())).findFirst()
                    .orElseThrow();
            chosen.add(gpu.point());
            said.add(String.format(Locale.ROOT, "%s: %s at %s output tok/s, %s%% below the median GPU's %s (the mean"
                    + " would be %s)", s.point(), gpu.rankName(), significant(gpu.outputTokensPerSecond(), 4),
                    fixed(100 * (1 - gpu.outputTokensPerSecond() / s.median()), 1), significant(s.median(), 4),
                    significant(s.totalTokensPerSecond() / s.measured(), 4)));
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException(source + ": no GPU of the fleet measured a point; nothing to plan from");
        }
        Result gpuResult = Result.of(result.startedAt(), result.finishedAt(), result.complete(),
                result.spec().withScenario(spec.rankScenario()), result.environment(), chosen, List.of());
        PlanBasis inner = PlanBasis.of(gpuResult, source, in);
        List<String> notes = new ArrayList<>();
        notes.add("FLEET: planned on the p" + fixed(spec.planPercentile(), spec.planPercentile() == Math.rint(
                spec.planPercentile()) ? 0 : 1) + " GPU of the fleet at each point, not the mean: " + String.join(
                        "; ", said));
        notes.addAll(inner.notes());
        return new FleetPlanBasis(inner, notes);
    }

    @Override
    public List<PointEstimate> estimates() {
        return inner.estimates();
    }

    @Override
    public List<String> notes() {
        return notes;
    }

    @Override
    public int promptLength() {
        return inner.promptLength();
    }

    @Override
    public int outputLength() {
        return inner.outputLength();
    }

    @Override
    public String lengthMix() {
        return inner.lengthMix();
    }

    @Override
    public int measuredPromptLength() {
        return inner.measuredPromptLength();
    }

    @Override
    public int measuredOutputLength() {
        return inner.measuredOutputLength();
    }

    @Override
    public boolean approximated() {
        return inner.approximated();
    }

    @Override
    public boolean wholeRunProjection() {
        return inner.wholeRunProjection();
    }

    @Override
    public List<String> notesAt(Deployment measured, List<Candidate> candidates, PlanInputs in) {
        return inner.notesAt(measured, candidates, in);
    }
}
