package dev.tokenmeter.scenario.fleet;

import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.fleet.AnswerCheck;
import dev.tokenmeter.fleet.RankGpu;
import dev.tokenmeter.fleet.VerifyOutcome;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.util.List;
import java.util.Objects;

/**
 * One GPU's figures for one of the points its rank measured, with the fleet's verdict on them; a rank that measured
 * nothing (it failed first) is one point without figures. A rank's own facts (its node, GPU, verification, answers)
 * repeat in each of its points, so that every row of a report stands alone.
 *
 * @param rank                 the rank's number
 * @param node                 its node's name
 * @param host                 its host's name
 * @param gpu                  the GPU it ran on
 * @param device               the device's name as the backend read it ("NVIDIA H200", a CPU model)
 * @param software             what ran: tokenmeter's version and commit, the JVM, the backend
 * @param failure              why the rank failed, or null
 * @param point                the rank's own point (an offline or serving point), or null where it measured none
 * @param samples              the point's samples of output tok/s: one per trial (offline), per run (serving)
 * @param outputTokensPerSecond the median of {@code samples}; NaN without a point
 * @param queriesPerSecond     the point's median requests per second; NaN where unknown
 * @param vsFleet              this GPU's median over the fleet's median at the same point (0.95: 5% slower)
 * @param straggler            the straggler test's call on this GPU at this point; null where it was not tested
 * @param answers              the answer check's verdict on the rank; null where the rank computed no answer
 * @param verify               what verification said on the rank before it measured
 * @param fault                a fault injected on purpose into the rank, or null
 * @param telemetry            what the GPU's telemetry saw while the rank measured this point (power, energy per
 *                             output token and per query, clocks, throttle reasons); null where it read none
 * @param warnings             the rank's run warnings (a busy host) and its point's own
 */
@JsonTypeName(FleetScenario.NAME)
public record FleetPoint(int rank, String node, String host, RankGpu gpu, String device, String software,
        String failure, ScenarioPoint point, double[] samples, double outputTokensPerSecond, double queriesPerSecond,
        double vsFleet, Straggler straggler, AnswerCheck.Verdict answers, VerifyOutcome verify, String fault,
        TelemetryWindow telemetry, List<String> warnings) implements ScenarioPoint {

    /**
     * The straggler test's call on one GPU at one point.
     *
     * @param deficit    how much slower than the fleet median (0.34: 34% slower; negative: faster)
     * @param deficitLow the deficit's one-sided lower confidence bound at the fleet's alpha, which the minimum
     *                   deficit is held to
     * @param z          the robust z-score of its median
     * @param adjustedP  the one-sided p-value, Bonferroni-adjusted over every GPU and point tested
     * @param confidence 1 − adjustedP
     * @param slow       whether it is a straggler: significant at the fleet's alpha and at least the minimum deficit
     */
    public record Straggler(double deficit, double deficitLow, double z, double adjustedP, double confidence,
            boolean slow) {
    }

    public FleetPoint {
        Objects.requireNonNull(node, "node");
        samples = samples == null ? new double[0] : samples.clone();
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** Whether the rank finished its run. */
    public boolean ok() {
        return failure == null;
    }

    /** The rank's name: "rank 3 (n2, gpu 0)". */
    public String rankName() {
        return "rank " + rank + " (" + node + (gpu == null ? "" : ", " + gpu.shortName()) + ")";
    }

    /** The rank's point's own label, or "-" where it measured none. */
    public String pointLabel() {
        return point == null ? "-" : point.label();
    }

    /**
     * "n2 gpu 0: batch 1, prompt 64, output 32": the GPU by its node and its own name, not its rank, so that a
     * comparison of two fleets sets each GPU beside itself whatever rank it had; a rank without a point by its rank.
     */
    @Override
    public String label() {
        String gpuName = node + (gpu == null ? "" : " " + gpu.shortName());
        return point == null ? rankName() : gpuName + ": " + point.label();
    }

    @Override
    public CostMetrics cost() {
        return point == null ? null : point.cost();
    }

    /** Energy per output token at this point where telemetry measured it; null otherwise. */
    public Double joulesPerOutputToken() {
        return telemetry == null ? null : telemetry.joulesPerOutputToken();
    }

    /** Whether this is a measured point of a rank that finished. */
    public boolean measured() {
        return point != null && ok() && samples.length > 0;
    }
}
