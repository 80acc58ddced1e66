package dev.tokenmeter.compare;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.offline.OfflineSpec.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Offline results built by hand from seeded random trials, for comparison tests. Each trial's prefill and decode
 * times carry their own normal noise of 2% (a trial-to-trial variation, as real runs show), and each decode step
 * a further 0.5%. A time scale multiplies every time: 1/0.95 is a 5% throughput drop, 1.05 a 5% latency rise.
 */
final class CompareFixtures {
    static final double NOISE = 0.02;
    static final double STEP_NOISE = 0.005;
    static final int TRIALS = 20;
    static final double PREFILL_MS = 12.0;
    static final double STEP_MS = 3.0;
    /** The two points of {@link #result}: output 16, so that every metric is defined. */
    static final List<Point> POINTS = List.of(new Point(1, 32, 16), new Point(4, 32, 16));
    /** The offline metrics' labels, in table order. */
    static final List<String> METRICS = List.of("output tok/s", "TTFT", "TPOT", "E2E", "decode step");

    private CompareFixtures() {
    }

    /** Both points with {@link #TRIALS} trials, on the tiny model on the CPU. */
    static Result result(long seed, double timeScale) {
        return result(seed, timeScale, TRIALS, ModelPresets.get("tiny"), "cpu", "Test CPU 9000", POINTS);
    }

    static Result result(long seed, double timeScale, int trials, ModelConfig model, String backend, String device,
            List<Point> points) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<OfflinePoint> out = new ArrayList<>();
        for (Point k : points) {
            // A bigger batch takes longer per step, as it would.
            double scale = timeScale * (1 + 0.1 * (k.batch() - 1));
            out.add(point(k, trials(rnd, trials, k.outputLength(), scale)));
        }
        return result(model, backend, device, out);
    }

    static List<TrialRecord> trials(SplittableRandom rnd, int n, int outputLength, double scale) {
        List<TrialRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double prefill = PREFILL_MS * scale * (1 + NOISE * rnd.nextGaussian());
            double decode = STEP_MS * scale * (1 + NOISE * rnd.nextGaussian());
            double[] steps = new double[outputLength - 1];
            for (int j = 0; j < steps.length; j++) {
                steps[j] = decode * (1 + STEP_NOISE * rnd.nextGaussian());
            }
            out.add(new TrialRecord(prefill, steps, prefill * 0.9, decode * steps.length * 0.9));
        }
        return out;
    }

    static OfflinePoint point(Point k, List<TrialRecord> trials) {
        return point(k, trials, List.of());
    }

    static OfflinePoint point(Point k, List<TrialRecord> trials, List<String> warnings) {
        return new OfflinePoint(k.batch(), k.promptLength(), k.outputLength(), 1, trials,
                PointMetrics.offline(k.batch(), k.promptLength(), k.outputLength(), trials), null, null, null,
                warnings);
    }

    static Result result(ModelConfig model, String backend, String device, List<OfflinePoint> points) {
        List<Integer> batches = points.stream().map(OfflinePoint::batch).distinct().toList();
        List<Integer> prompts = points.stream().map(OfflinePoint::promptLength).distinct().toList();
        List<Integer> outputs = points.stream().map(OfflinePoint::outputLength).distinct().toList();
        RunSpec spec = new RunSpec(model, "auto", 42, 0, null, new OfflineSpec(batches, prompts, outputs,
                new MeasurementPolicy(1, 10, 20, 20.0)));
        return Result.of("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", true, spec, environment(backend, device),
                points, List.of());
    }

    /** Version 0.1.0-test at commit abc1234, on {@code device} through {@code backend}. */
    static Environment environment(String backend, String device) {
        DeviceInfo info = new DeviceInfo(backend, device, "gpu".equals(backend) ? "gpu" : "cpu", 2, 8_000_000_000L,
                32L << 20, new DeviceCeilings(20e9, 100e9, "test"), null, Map.of());
        return new Environment("0.1.0-test", "abc1234", "Test JVM 17", "Test OS", "Test CPU 9000", 2, 4L << 30,
                info);
    }
}
