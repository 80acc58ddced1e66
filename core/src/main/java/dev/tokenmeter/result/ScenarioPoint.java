package dev.tokenmeter.result;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tokenmeter.cost.CostMetrics;

/**
 * One measured point of a scenario: a result holds a list of them, all of its scenario's kind. Each scenario's
 * point is registered beside its spec ({@link ScenarioSpec}); in JSON a point carries its kind as {@code "kind"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
public sealed interface ScenarioPoint
        permits dev.tokenmeter.scenario.offline.OfflinePoint, dev.tokenmeter.scenario.serving.ServingPoint,
            dev.tokenmeter.scenario.fleet.FleetPoint {
    /** How reports, notices and comparisons name the point: "batch 4, prompt 32, output 16", "rate 2.00". */
    String label();

    /** What the point cost at its measured rates; null when no price applied. */
    CostMetrics cost();
}
