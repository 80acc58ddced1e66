package dev.tokenmeter.plan;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.scenario.fleet.FleetSpec;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.ServingSpec;
import java.util.List;

/**
 * What a plan is made from: a result's usable points for the asked length mix, and what a reader must know of
 * them. How points become operating points is each scenario's own (a static batch rescales to another mix; a
 * serving point is planned only at the mix it measured), so this is the one place {@code plan} dispatches on the
 * scenario; everything after it ({@link CapacityPlan}) is the same for every scenario.
 */
interface PlanBasis {
    /**
     * The basis of {@code result} for {@code in}; {@code source} names the result in messages.
     *
     * @throws IllegalArgumentException for a scenario plan does not read, a result without points, or a length mix
     *                                  the result cannot answer
     */
    static PlanBasis of(Result result, String source, PlanInputs in) {
        if (result.points().isEmpty()) {
            throw new IllegalArgumentException(source + ": the result has no measured point");
        }
        ScenarioSpec scenario = result.spec().scenario();
        if (scenario instanceof OfflineSpec) {
            return OfflinePlanBasis.of(result, source, in);
        }
        if (scenario instanceof ServingSpec serving) {
            return ServingPlanBasis.of(result, serving, source, in);
        }
        if (scenario instanceof FleetSpec fleet) {
            return FleetPlanBasis.of(result, fleet, source, in);
        }
        throw new IllegalArgumentException(source + ": plan reads offline, serving and fleet results; this one's"
                + " scenario"
                + " is '" + result.scenario() + "'");
    }

    /** The usable points for the asked mix, in table order. */
    List<PointEstimate> estimates();

    /** What a reader must know of the points, in order of importance. */
    List<String> notes();

    /** The workload's prompt tokens per request. */
    int promptLength();

    /** The workload's output tokens per request. */
    int outputLength();

    /** The workload's lengths as the result gives them: "prompt 1024, output 128", "from trace t.jsonl". */
    String lengthMix();

    int measuredPromptLength();

    int measuredOutputLength();

    /** Whether the points were rescaled from another mix: an APPROXIMATION. */
    boolean approximated();

    /**
     * Whether projections scale whole runs by the smaller speed-up ({@link PointEstimate#timeScaled}: a serving
     * run, whose steps mix prefill and decode) rather than prefill and decode apart ({@link PointEstimate#projected}).
     */
    boolean wholeRunProjection();

    /** Notes on the measured device's plan, once its operating point and GPU count are known. */
    List<String> notesAt(Deployment measured, List<Candidate> candidates, PlanInputs in);
}
