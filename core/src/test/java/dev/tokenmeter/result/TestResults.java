package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.TrialRecord;
import java.util.List;
import java.util.Map;

/**
 * A hand-built result with fixed numbers, for renderer and JSON tests. Nothing in it is computed by core's
 * metrics code, so a renderer test checks formatting only. Two points:
 * <ul>
 * <li>batch 1, prompt 8, output 4, 3 trials: every figure defined, one ordinary warning;</li>
 * <li>batch 2, prompt 8, output 1, 2 trials: TPOT, ITL and decode utilization undefined (one token per
 *     request), and a roofline violation.</li>
 * </ul>
 */
public final class TestResults {
    public static final String SOURCE = "measured: test copy and matmul";
    public static final String VIOLATION = "trial 0: prefill took 0.0100 ms, below the roofline floor of 0.0500 ms ("
            + SOURCE + ")";
    public static final String BUDGET_WARNING = "time budget spent after the minimum of 3 trials";
    public static final String RUN_WARNING = "a run-level warning";

    private TestResults() {
    }

    /** Both points, costs included, complete. */
    public static Result twoPoints() {
        return build(true, true);
    }

    /** The same result stopped early, as a failed run's listener would see it. */
    public static Result incomplete() {
        return build(false, true);
    }

    /** No price applied: no cost figures. */
    public static Result withoutCost() {
        return build(true, false);
    }

    public static DeviceInfo device() {
        return new DeviceInfo("cpu", "Test CPU 9000", "cpu", 2, 8_000_000_000L, 32L << 20,
                new DeviceCeilings(20e9, 100e9, SOURCE), null, Map.of("isa", "avx2", "vector", "256 bits"));
    }

    private static Result build(boolean complete, boolean withCost) {
        Price price = withCost ? PricePresets.get("cpu") : null;
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), "auto", 42, new OfflineSpec(List.of(1, 2), List.of(8),
                List.of(4, 1)), new MeasurementPolicy(1, 2, 5, 10.0), price, 0);
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM 17", "Test OS 1.0 amd64",
                "Test CPU 9000", 2, 4L << 30, device());
        return new Result(Result.SCHEMA_VERSION, Result.TOOL, "offline", "2025-01-01T00:00:00Z",
                "2025-01-01T00:01:00Z", complete, spec, env, List.of(first(withCost), second(withCost)),
                List.of(RUN_WARNING));
    }

    /** Batch 1, prompt 8, output 4. */
    private static PointResult first(boolean withCost) {
        List<TrialRecord> trials = List.of(
                new TrialRecord(12.0, new double[] {4.0, 4.5, 5.0}, 11.5, 12.5),
                new TrialRecord(12.5, new double[] {4.0, 4.25, 6.0}, 12.0, 13.0),
                new TrialRecord(19.9, new double[] {4.0, 4.0, 6.125}, 19.0, 13.5));
        PointMetrics m = new PointMetrics(1, 8, 4,
                summary(3, 12.5, 19.9), summary(3, 4.25, 5.0), summary(9, 4.0, 6.125), summary(3, 25.25, 32.0),
                summary(3, 158.4, 170.0), summary(3, 316.8, 330.0), summary(3, 475.2, 500.0),
                summary(3, 39.6, 42.0), summary(3, 640.0, 700.0), summary(3, 235.0, 240.0));
        Roofline r = new Roofline(1.0e6, 2.0e6, 3.0e6, 6.0e6, 0.05, 0.15,
                new Utilization(SOURCE, 0.1, 0.0517, 0.423, 0.01), null, false, null);
        CostMetrics c = withCost ? new CostMetrics(0.1008, 1.0, 7.07e-7, 0.0884, 0.1768, 0.0589, "cpu", "AWS") : null;
        return new PointResult(1, 8, 4, 1, trials, m, r, c,
                new Precision("output tok/s", 0.034, 0.01, false, "budget"), List.of(BUDGET_WARNING));
    }

    /** Batch 2, prompt 8, output 1: a single token per request, and a trial faster than the roofline. */
    private static PointResult second(boolean withCost) {
        List<TrialRecord> trials = List.of(
                new TrialRecord(20.0, new double[0], 0.01, 0.0),
                new TrialRecord(20.0, new double[0], 0.06, 0.0));
        PointMetrics m = new PointMetrics(2, 16, 2,
                summary(2, 20.0, 20.0), null, null, summary(2, 20.0, 20.0),
                summary(2, 100.0, 100.0), summary(2, 800.0, 800.0), summary(2, 900.0, 900.0),
                summary(2, 100.0, 100.0), summary(2, 800.0, 800.0), null);
        Roofline r = new Roofline(2.0e6, 4.0e6, 0.0, 0.0, 0.05, 0.0,
                new Utilization(SOURCE, 0.2, 0.9, Double.NaN, Double.NaN), null, false, VIOLATION);
        CostMetrics c = withCost ? new CostMetrics(0.1008, 1.0, 2.8e-7, 0.035, 0.28, 0.0311, "cpu", "AWS") : null;
        return new PointResult(2, 8, 1, 1, trials, m, r, c,
                new Precision("output tok/s", 0.0, 0.01, true, "precision"), List.of("MEASUREMENT ERROR: " + VIOLATION
                + "; a result faster than the device's roofline cannot be right"));
    }

    /** A summary whose median and p99 are as given and whose other figures differ from both. */
    private static Summary summary(int n, double p50, double p99) {
        double mean = p50 * 1.01 + 0.5;
        return new Summary(n, mean, 0.75, p50 * 0.9, p50, p99 * 0.97, p99 * 0.99, p99, p99 * 1.05, mean - 0.4,
                mean + 0.4, n > 2 ? 1 : 0);
    }
}
