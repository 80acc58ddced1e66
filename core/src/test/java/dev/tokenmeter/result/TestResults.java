package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
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
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), "auto", 42, 0, price, new OfflineSpec(List.of(1, 2),
                List.of(8), List.of(4, 1), new MeasurementPolicy(1, 2, 5, 10.0)));
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM 17", "Test OS 1.0 amd64",
                "Test CPU 9000", 2, 4L << 30, device());
        return new Result(Result.SCHEMA_VERSION, Result.TOOL, "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z",
                complete, spec, env, List.of(first(withCost), second(withCost)), List.of(RUN_WARNING));
    }

    /** Batch 1, prompt 8, output 4. */
    private static OfflinePoint first(boolean withCost) {
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
        return new OfflinePoint(1, 8, 4, 1, trials, m, r, c,
                new Precision("output tok/s", 0.034, 0.01, false, "budget"), List.of(BUDGET_WARNING));
    }

    /** Batch 2, prompt 8, output 1: a single token per request, and a trial faster than the roofline. */
    private static OfflinePoint second(boolean withCost) {
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
        return new OfflinePoint(2, 8, 1, 1, trials, m, r, c,
                new Precision("output tok/s", 0.0, 0.01, true, "precision"), List.of("MEASUREMENT ERROR: " + VIOLATION
                + "; a result faster than the device's roofline cannot be right"));
    }

    /** What a quiet 16-CPU host did during a 20-minute run (the sweep's). */
    public static final HostActivity QUIET_HOST = new HostActivity(1200.0, 16, 0.52, 14.1, 0.93, 0.02, 0.0,
            2600.0, 2450.0, 3500.0, false);

    /** The sweep's budget-limited point's warning. */
    public static final String SWEEP_WARNING = "time budget spent after 3 trials; \u00b11% not reached";

    /**
     * A realistic-looking sweep for reports with charts: llama-3.1-8b on an H100-like GPU, batches 1 to 64 for two
     * (prompt, output) pairs, 14 points. The figures come from a simple fixed formula (no randomness), chosen to
     * stay under the roofline. The batch-64 point of the longer pair did not reach its precision target.
     */
    public static Result sweep() {
        Price price = PricePresets.get("h100");
        RunSpec spec = new RunSpec(ModelPresets.get("llama-3.1-8b"), "cuda", 42, 0, price, new OfflineSpec(
                List.of(1, 2, 4, 8, 16, 32, 64), List.of(128, 512), List.of(32, 128), MeasurementPolicy.defaults()));
        DeviceInfo gpu = new DeviceInfo("cuda", "NVIDIA H100 80GB HBM3", "gpu", 132, 80L * 1_000_000_000L,
                50L << 20, new DeviceCeilings(3.0e12, 700e12, "measured: device copy and bf16 GEMM", 0.02, 0.01, 9),
                new DeviceCeilings(3.35e12, 989e12, "datasheet: NVIDIA H100 SXM5"),
                Map.of("driver", "550.54.15", "computeCapability", "9.0"));
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM 17", "Test OS 1.0 amd64",
                "Test CPU 9000", 16, 32L << 30, gpu, 256L << 30, QUIET_HOST);
        List<OfflinePoint> points = new java.util.ArrayList<>();
        int[][] pairs = {{128, 32}, {512, 128}};
        for (int[] pair : pairs) {
            for (int b : List.of(1, 2, 4, 8, 16, 32, 64)) {
                points.add(sweepPoint(b, pair[0], pair[1], price));
            }
        }
        return new Result(Result.SCHEMA_VERSION, Result.TOOL, "2025-01-01T00:00:00Z", "2025-01-01T00:20:00Z", true,
                spec, env, List.copyOf(points), List.of());
    }

    private static OfflinePoint sweepPoint(int b, int prompt, int output, Price price) {
        double tpot = 6.0 * (1 + b / 64.0) * (1 + prompt / 8192.0);
        double ttft = 10 + b * prompt * 0.035;
        double e2e = ttft + (output - 1) * tpot;
        double seconds = e2e / 1e3;
        double outRate = b * output / seconds;
        double inRate = b * prompt / seconds;
        double reqRate = b / seconds;
        double[] steps = new double[output - 1];
        java.util.Arrays.fill(steps, tpot);
        List<TrialRecord> trials = List.of(new TrialRecord(ttft, steps, ttft * 0.98, (output - 1) * tpot * 0.98),
                new TrialRecord(ttft, steps, ttft * 0.98, (output - 1) * tpot * 0.98),
                new TrialRecord(ttft, steps, ttft * 0.98, (output - 1) * tpot * 0.98));
        PointMetrics m = new PointMetrics(b, (long) b * prompt, (long) b * output,
                summary(3, ttft, ttft * 1.1), summary(3, tpot, tpot * 1.05), summary(3 * b * (output - 1), tpot,
                        tpot * 1.3), summary(3, e2e, e2e * 1.05), summary(3, outRate, outRate * 1.02),
                summary(3, inRate, inRate * 1.02), summary(3, outRate + inRate, (outRate + inRate) * 1.02),
                summary(3, reqRate, reqRate * 1.02), summary(3, b * prompt / (ttft / 1e3), b * prompt / (ttft / 1e3)),
                summary(3, b / (tpot / 1e3), b / (tpot / 1e3)));
        double weights = 16.06e9;
        double kv = 131072.0 * b * (prompt + output / 2.0);
        double decodeMbu = (weights + kv) / (tpot / 1e3) / 3.0e12;
        double decodeMfu = 2 * 8.03e9 * b / (tpot / 1e3) / 700e12;
        double prefillFlops = 2 * 8.03e9 * b * prompt;
        double prefillMfu = prefillFlops / (ttft / 1e3) / 700e12;
        double prefillMbu = (weights + 131072.0 * b * prompt) / (ttft / 1e3) / 3.0e12;
        Roofline r = new Roofline(weights + 131072.0 * b * prompt, prefillFlops, (output - 1) * (weights + kv),
                (output - 1) * 2 * 8.03e9 * b, prefillFlops / 700e12 * 1e3,
                (output - 1) * (weights + kv) / 3.0e12 * 1e3,
                new Utilization("measured: device copy and bf16 GEMM", prefillMbu, prefillMfu, decodeMbu, decodeMfu),
                new Utilization("datasheet: NVIDIA H100 SXM5", prefillMbu * 3.0 / 3.35, prefillMfu * 700 / 989,
                        decodeMbu * 3.0 / 3.35, decodeMfu * 700 / 989), false, null);
        CostMetrics c = CostMetrics.of(price, reqRate, inRate, outRate, 1);
        boolean last = b == 64 && prompt == 512;
        Precision precision = last ? new Precision("output tok/s", 0.021, 0.01, false, "budget")
                : new Precision("output tok/s", 0.002 + b * 0.0001, 0.01, true, "precision");
        return new OfflinePoint(b, prompt, output, 1, trials, m, r, c, precision,
                last ? List.of(SWEEP_WARNING) : List.of());
    }

    /** The SLOs of {@link #serving()}. */
    public static final String SLO = "ttft:p99=100ms,tpot:p99=12ms";

    /**
     * A serving result built with {@link ServingPoint#of} from hand-made request records (times in whole
     * milliseconds), three points, priced at the CPU preset:
     * <ul>
     * <li>"rate 10.0": 20 requests every 100 ms, prompt 16, output 4, each admitted 5 ms after it arrives and
     *     served at once (TTFT 20 ms, then a token every 10 ms): steady (the middle half of its arrivals lasts the
     *     0.9 s a verdict needs), every SLO met, every request good, one in flight at a time;</li>
     * <li>"rate 50.0": 12 requests every 20 ms served one after another, 100 ms each (admitted when the one
     *     before is done): the queue grows, so TTFT climbs, the SLO is missed and the load is overloaded; 3
     *     preemptions, 10 in flight at the peak;</li>
     * <li>"concurrency 2": a closed loop (offered rate NaN), 4 requests of one output token (TPOT, ITL and
     *     interactivity undefined), one of them unfinished; no admission times recorded.</li>
     * </ul>
     */
    public static Result serving() {
        Price price = PricePresets.get("cpu");
        SloSet slos = SloSet.parse(SLO);
        List<RequestRecord> steady = new ArrayList<>();
        List<RequestRecord> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long at = 100L * i;
            steady.add(admitted(record(i, at, 16, 4, at + 20, at + 30, at + 40, at + 50), at + 5));
        }
        for (int i = 0; i < 12; i++) {
            long arrive = 20L * i;
            long done = 100L * (i + 1);
            queued.add(admitted(record(i, arrive, 16, 4, done - 30, done - 20, done - 10, done), done - 100));
        }
        List<RequestRecord> closed = List.of(record(0, 0, 32, 1, 15), record(1, 0, 32, 1, 25),
                record(2, 15, 32, 1, 40), new RequestRecord(new Arrival(3, 0.025, 32, 1), 25_000_000L, new long[0],
                        0));
        List<ServingPoint> points = List.of(
                ServingPoint.of("rate 10.0", ServingMode.RATE, 10.0, 0, "16", "4",
                        new ServingLoop.Outcome(steady, List.of(), 80, 0, 1_950_000_000L, 1), slos, price),
                ServingPoint.of("rate 50.0", ServingMode.RATE, 50.0, 0, "16", "4",
                        new ServingLoop.Outcome(queued, List.of(), 48, 3, 1_200_000_000L, 10), slos, price),
                ServingPoint.of("concurrency 2", ServingMode.CONCURRENCY, Double.NaN, 2, "32", "1",
                        new ServingLoop.Outcome(closed.subList(0, 3), closed.subList(3, 4), 3, 0, 40_000_000L, 2),
                        slos, price));
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 0, price, new ServingSpec(ServingMode.RATE,
                List.of(10.0, 50.0), 1.0, List.of(), null, null, 1.0, 0, 0, 0, 0, 12, LengthDistribution.fixed(16),
                LengthDistribution.fixed(4), slos, 16, 256, 16, 64, 8, 0, 600, 1));
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM 17", "Test OS 1.0 amd64",
                "Test CPU 9000", 2, 4L << 30, device());
        return new Result(Result.SCHEMA_VERSION, Result.TOOL, "2025-01-01T00:00:00Z", "2025-01-01T00:00:30Z", true,
                spec, env, List.copyOf(points), List.of());
    }

    /** A completed request arriving at {@code atMs}, its tokens at {@code tokenMs} (all in ms). */
    private static RequestRecord record(int id, long atMs, int prompt, int output, long... tokenMs) {
        long[] t = new long[tokenMs.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = tokenMs[i] * 1_000_000L;
        }
        return new RequestRecord(new Arrival(id, atMs / 1e3, prompt, output), atMs * 1_000_000L, t, 0);
    }

    /** {@code r} admitted by the scheduler at {@code atMs}. */
    private static RequestRecord admitted(RequestRecord r, long atMs) {
        return new RequestRecord(r.arrival(), r.arrivalNanos(), atMs * 1_000_000L, r.tokenNanos(), r.preemptions(),
                r.outputTokens());
    }

    /** {@code r} with {@code points} instead of its own, and the same spec and warnings. */
    public static Result withPoints(Result r, List<? extends ScenarioPoint> points) {
        return with(r, r.spec(), points, r.warnings());
    }

    /** {@code r} with another spec, points and run-level warnings; the rest (completeness included) kept. */
    public static Result with(Result r, RunSpec spec, List<? extends ScenarioPoint> points, List<String> warnings) {
        return new Result(r.schemaVersion(), r.tool(), r.startedAt(), r.finishedAt(), r.complete(), spec,
                r.environment(), List.copyOf(points), warnings);
    }

    /** {@code r}'s spec with its model renamed {@code name}: text from the result that renderers must escape. */
    public static RunSpec renamed(Result r, String name) {
        RunSpec s = r.spec();
        return new RunSpec(s.model().withName(name), s.backend(), s.seed(), s.threads(), s.price(), s.scenario());
    }

    /** {@code p} with {@code warnings} instead of its own. */
    public static OfflinePoint withWarnings(OfflinePoint p, List<String> warnings) {
        return new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(), p.trials(),
                p.metrics(), p.roofline(), p.cost(), p.precision(), warnings);
    }

    /** A summary whose median and p99 are as given and whose other figures differ from both. */
    private static Summary summary(int n, double p50, double p99) {
        double mean = p50 * 1.01 + 0.5;
        return new Summary(n, mean, 0.75, p50 * 0.9, p50, p99 * 0.97, p99 * 0.99, p99, p99 * 1.05, mean - 0.4,
                mean + 0.4, n > 2 ? 1 : 0, 0.75 / mean);
    }
}
