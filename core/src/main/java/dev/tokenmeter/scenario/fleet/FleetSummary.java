package dev.tokenmeter.scenario.fleet;

import dev.tokenmeter.cost.CostMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * The fleet at one of the points every rank measured: its capacity (every GPU's output rate summed), what the fleet
 * costs, the spread of the GPUs' rates, and the GPU a capacity plan rests on. Computed from the points alone, the
 * same way by every renderer and by {@code compare}.
 *
 * @param point              the ranks' point ("batch 1, prompt 64, output 32")
 * @param gpus               GPUs in the fleet (every rank, failed ones too: they are paid for)
 * @param measured           GPUs that measured this point
 * @param totalTokensPerSecond the fleet's output tok/s: every measured GPU's median summed
 * @param totalQueriesPerSecond the fleet's requests/s, summed likewise; NaN where a GPU's is unknown
 * @param median             the median GPU's output tok/s
 * @param p5                 the 5th percentile GPU's (type 7)
 * @param p95                the 95th percentile GPU's
 * @param robustSpread       1.4826 × the median absolute deviation over the median: the GPUs' spread as a share,
 *                           unmoved by a few stragglers
 * @param stragglers         GPUs the straggler test called slow at this point
 * @param planPercentile     the percentile of GPUs a plan rests on
 * @param planTokensPerSecond that percentile's output tok/s
 * @param planGpu            the measured GPU closest to it (at or below), as its point's label
 * @param usdPerHour         the fleet's price per hour (every GPU's), NaN without a price
 * @param usdPerMillionOutput the fleet's cost per million output tokens at its total rate, NaN without a price
 * @param usdPerQuery        the fleet's cost per query, NaN without a price or a request rate
 * @param telemetryGpus      GPUs whose telemetry measured their power at this point
 * @param watts              those GPUs' mean power summed, W; NaN where none measured it
 * @param joulesPerOutputToken those GPUs' energy per output token: their power over their output rate, summed
 *                           each; NaN where none measured it
 */
public record FleetSummary(String point, int gpus, int measured, double totalTokensPerSecond,
        double totalQueriesPerSecond, double median, double p5, double p95, double robustSpread, int stragglers,
        double planPercentile, double planTokensPerSecond, String planGpu, double usdPerHour,
        double usdPerMillionOutput, double usdPerQuery, int telemetryGpus, double watts,
        double joulesPerOutputToken) {

    /** The fleet at each of its points, in the order the ranks measured them. */
    public static List<FleetSummary> of(List<FleetPoint> points, double planPercentile) {
        Set<Integer> ranks = new LinkedHashSet<>();
        Map<String, List<FleetPoint>> byPoint = new LinkedHashMap<>();
        for (FleetPoint p : points) {
            ranks.add(p.rank());
            if (p.measured()) {
                byPoint.computeIfAbsent(p.pointLabel(), k -> new ArrayList<>()).add(p);
            }
        }
        List<FleetSummary> out = new ArrayList<>();
        for (Map.Entry<String, List<FleetPoint>> e : byPoint.entrySet()) {
            out.add(of(e.getKey(), e.getValue(), ranks.size(), planPercentile));
        }
        return out;
    }

    private static FleetSummary of(String label, List<FleetPoint> measured, int gpus, double planPercentile) {
        double[] rates = measured.stream().mapToDouble(FleetPoint::outputTokensPerSecond).sorted().toArray();
        double total = Arrays.stream(rates).sum();
        double queries = measured.stream().mapToDouble(FleetPoint::queriesPerSecond).sum();
        Percentile pct = new Percentile().withEstimationType(EstimationType.R_7);
        pct.setData(rates);
        double median = pct.evaluate(50);
        double[] deviations = Arrays.stream(rates).map(r -> Math.abs(r - median)).sorted().toArray();
        pct.setData(deviations);
        double mad = pct.evaluate(50);
        pct.setData(rates);
        double plan = pct.evaluate(planPercentile);
        FleetPoint planGpu = measured.stream().filter(p -> p.outputTokensPerSecond() <= plan)
                .max(Comparator.comparingDouble(FleetPoint::outputTokensPerSecond))
                .orElse(measured.stream().min(Comparator.comparingDouble(FleetPoint::outputTokensPerSecond))
                        .orElseThrow());
        int slow = (int) measured.stream().filter(p -> p.straggler() != null && p.straggler().slow()).count();
        CostMetrics c = measured.stream().map(FleetPoint::cost).filter(x -> x != null).findFirst().orElse(null);
        double usdPerHour = c == null ? Double.NaN : c.usdPerHour() * gpus;
        double paid = c == null ? Double.NaN : usdPerHour / c.utilization();
        List<FleetPoint> powered = measured.stream().filter(p -> p.telemetry() != null
                && p.telemetry().meanPowerWatts() != null).toList();
        double watts = powered.isEmpty() ? Double.NaN : powered.stream().mapToDouble(p -> p.telemetry()
                .meanPowerWatts()).sum();
        double poweredRate = powered.stream().mapToDouble(FleetPoint::outputTokensPerSecond).sum();
        return new FleetSummary(label, gpus, measured.size(), total, queries, median, pct.evaluate(5),
                pct.evaluate(95), median == 0 ? Double.NaN : 1.4826 * mad / median, slow, planPercentile, plan,
                planGpu.label(), usdPerHour, paid * 1e6 / (3600 * total), paid / 3600 / queries, powered.size(),
                watts, watts / poweredRate);
    }
}
