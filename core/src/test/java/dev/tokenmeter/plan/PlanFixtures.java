package dev.tokenmeter.plan;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingPoint.LoadResult;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.scenario.serving.ServingSummary;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Hand-built offline and serving results with round timings, so that every figure a plan derives can be worked out
 * by hand. An offline point's trials each have one TTFT (given per trial) followed by output − 1 decode steps of one
 * length, so a trial lasts TTFT + step × (output − 1) ms and TPOT is the step.
 */
final class PlanFixtures {
    /** An H100 SXM as the CUDA backend records one: the datasheet figures the catalog has. */
    static final DeviceInfo H100 = new DeviceInfo("cuda", "NVIDIA H100 80GB HBM3", "gpu", 132, 85_000_000_000L,
            50L << 20, new DeviceCeilings(3.0e12, 556e12, "measured: test"),
            new DeviceCeilings(3.35e12, 989.4e12, "datasheet: NVIDIA H100 SXM5, test"), Map.of());
    /** A GPU no datasheet is known for: projections scale from its measured ceilings. */
    static final DeviceInfo UNKNOWN_GPU = new DeviceInfo("cuda", "NVIDIA Test GPU", "gpu", 80, 40_000_000_000L,
            40L << 20, new DeviceCeilings(2.0e12, 500e12, "measured: test"), null, Map.of());
    static final DeviceInfo CPU = new DeviceInfo("cpu", "Test CPU 9000", "cpu", 2, 8_000_000_000L, 32L << 20,
            new DeviceCeilings(20e9, 100e9, "measured: test"), null, Map.of());

    private PlanFixtures() {
    }

    /**
     * A point of {@code batch} requests, prompt {@code prompt}, output {@code output}, one trial per TTFT given,
     * each decode step {@code stepMs}.
     */
    static OfflinePoint point(int batch, int prompt, int output, double stepMs, double... ttftMs) {
        return point(batch, prompt, output, stepMs, null, ttftMs);
    }

    /** The same with a roofline violation: a measurement error. */
    static OfflinePoint violating(int batch, int prompt, int output, double stepMs, double... ttftMs) {
        return point(batch, prompt, output, stepMs, "trial 0: decode below the roofline floor (test)", ttftMs);
    }

    private static OfflinePoint point(int batch, int prompt, int output, double stepMs, String violation,
            double... ttftMs) {
        List<TrialRecord> trials = new ArrayList<>();
        for (double t : ttftMs) {
            double[] steps = new double[output - 1];
            Arrays.fill(steps, stepMs);
            trials.add(new TrialRecord(t, steps, t, stepMs * (output - 1)));
        }
        Roofline roofline = violation == null ? null
                : new Roofline(1, 1, 1, 1, 1, 1, null, null, false, violation);
        return new OfflinePoint(batch, prompt, output, 0, trials,
                PointMetrics.offline(batch, prompt, output, trials), roofline, null, null, List.of());
    }

    /** An offline result of {@code points} that records no price: a plan falls back on the device's preset. */
    static Result result(DeviceInfo device, OfflinePoint... points) {
        return result(device, null, points);
    }

    /** An offline result of {@code points} whose run used {@code price} (null: none recorded). */
    static Result result(DeviceInfo device, Price price, OfflinePoint... points) {
        List<Integer> batches = Arrays.stream(points).map(OfflinePoint::batch).distinct().toList();
        List<Integer> prompts = Arrays.stream(points).map(OfflinePoint::promptLength).distinct().toList();
        List<Integer> outputs = Arrays.stream(points).map(OfflinePoint::outputLength).distinct().toList();
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), device.backend(), 42, 0, price,
                new OfflineSpec(batches, prompts, outputs, new MeasurementPolicy(0, 3, 3, 10.0)));
        return Result.of("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", true, spec, environment(device),
                List.of(points), List.of());
    }

    static Environment environment(DeviceInfo device) {
        return new Environment("0.1.0-test", "abc1234", "Test JVM", "Test OS", "Test CPU", 2, 4L << 30, device);
    }

    /**
     * A serving point at {@code rate} req/s offered, whose {@code completed} requests of prompt {@code prompt} and
     * output {@code output} tokens took {@code seconds} and had the given TTFT and TPOT p50 / p99; achieved rates
     * are completed / seconds. {@code incomplete} requests did not finish; {@code overloaded} sets the load verdict.
     */
    static ServingPoint servingPoint(double rate, int completed, int incomplete, double seconds, int prompt,
            int output, double ttft50, double ttft99, double tpot50, double tpot99, boolean overloaded) {
        ServingSummary m = new ServingSummary(completed, incomplete, (long) completed * prompt,
                (long) completed * output, seconds, completed / seconds, completed * prompt / seconds,
                completed * output / seconds, completed * (prompt + output) / seconds, latency(completed, ttft50,
                ttft99), latency(completed, tpot50, tpot99), latency(completed, tpot50, tpot99),
                latency(completed, ttft50 + tpot50 * (output - 1), ttft99 + tpot99 * (output - 1)), null);
        LoadResult load = new LoadResult(overloaded ? SustainedLoad.Status.OVERLOADED : SustainedLoad.Status.STEADY,
                overloaded ? "completions fell behind arrivals (test)" : "kept up (test)");
        return new ServingPoint(String.format(java.util.Locale.ROOT, "rate %.2f", rate), ServingMode.RATE, rate, 0,
                completed + incomplete, Integer.toString(prompt), Integer.toString(output), 1000, 0, m, null, load,
                null, null, null, null, null, null);
    }

    private static Summary latency(int n, double p50, double p99) {
        return new Summary(n, p50, 1, p50 / 2, p50, p99, p99, p99, p99, p50, p50, 0, 0.1);
    }

    /**
     * A serving result of {@code points}, rate mode with Poisson arrivals (burstiness 1), priced as its run would
     * record it: at the device's preset.
     */
    static Result servingResult(DeviceInfo device, ServingPoint... points) {
        return servingResult(device, 1.0, points);
    }

    static Result servingResult(DeviceInfo device, double burstiness, ServingPoint... points) {
        return pricedServingResult(device, burstiness, PricePresets.forDevice(device), points);
    }

    /** A serving result whose run used {@code price} (null: none recorded). */
    static Result pricedServingResult(DeviceInfo device, double burstiness, Price price, ServingPoint... points) {
        ServingPoint first = points[0];
        ServingSpec serving = new ServingSpec(ServingMode.RATE, Arrays.stream(points).map(ServingPoint::offeredRate)
                .toList(), burstiness, List.of(), null, null, 1.0, 0, 0, 0, 0, first.requests(),
                LengthDistribution.fromText(first.promptLength()), LengthDistribution.fromText(first.outputLength()),
                null, 64, 2048, 16, 4096, 8, 0, 600, 1);
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), device.backend(), 42, 0, price, serving);
        return Result.of("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", true, spec, environment(device),
                List.of(points), List.of());
    }
}
