package dev.tokenmeter.scenario.fleet;

import static dev.tokenmeter.result.TextTable.fixed;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;

/**
 * The spread across the fleet's GPUs of every headline metric of the ranks' scenario (TTFT, TPOT, E2E, goodput…),
 * not only of the output rate the verdict rests on: at each point, the median GPU's figure, the 5th and 95th
 * percentile GPUs', and the robust spread. Each GPU's figure is its own median over its trials or runs.
 */
final class FleetSpread {
    private FleetSpread() {
    }

    /** One sentence per point the ranks measured: "SPREAD across 8 GPUs: TTFT 12.1 ms (p5 11.9, p95 13.0, ±2.1%)…". */
    static Map<String, String> of(FleetSpec spec, List<FleetPoint> points) {
        return of(spec.rankScenario().type(), points);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> Map<String, String> of(ScenarioType<S, P> type,
            List<FleetPoint> points) {
        Map<String, List<P>> byPoint = new LinkedHashMap<>();
        for (FleetPoint p : points) {
            if (p.measured() && type.pointType().isInstance(p.point())) {
                byPoint.computeIfAbsent(p.pointLabel(), k -> new ArrayList<>()).add(type.pointType().cast(p.point()));
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<P>> e : byPoint.entrySet()) {
            List<String> parts = new ArrayList<>();
            for (Metric<P> m : type.metrics()) {
                double[] medians = e.getValue().stream().map(p -> finite(m.samples().apply(p)))
                        .filter(s -> s.length > 0).mapToDouble(FleetVerdict::median).sorted().toArray();
                if (medians.length == 0) {
                    continue;
                }
                Percentile pct = new Percentile().withEstimationType(EstimationType.R_7);
                pct.setData(medians);
                double median = pct.evaluate(50);
                double mad = FleetVerdict.median(Arrays.stream(medians).map(x -> Math.abs(x - median)).toArray());
                parts.add(String.format(Locale.ROOT, "%s %s (p5 %s, p95 %s, \u00b1%s%%)", m.labelWithUnit(),
                        significant(median, 4), significant(pct.evaluate(5), 4), significant(pct.evaluate(95), 4),
                        median == 0 ? "-" : fixed(100 * 1.4826 * mad / Math.abs(median), 1)));
            }
            if (!parts.isEmpty()) {
                out.put(e.getKey(), "SPREAD across " + e.getValue().size() + " GPUs, each its median: "
                        + String.join("; ", parts));
            }
        }
        return out;
    }

    private static double[] finite(double[] samples) {
        return Arrays.stream(samples).filter(Double::isFinite).toArray();
    }
}
