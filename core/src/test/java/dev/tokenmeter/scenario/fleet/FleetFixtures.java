package dev.tokenmeter.scenario.fleet;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.fleet.Answer;
import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.fleet.RankGpu;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.fleet.VerifyOutcome;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Rank files as a fleet's ranks would write them, with figures from a fixed formula and seeded noise: a tiny model,
 * batches 1 and 4, six trials a point; a rank's speed scales its times.
 */
public final class FleetFixtures {
    public static final Price PRICE = PricePresets.get("cpu");
    public static final RunSpec SPEC = new RunSpec(ModelPresets.get("tiny"), "auto", 42, 0, PRICE, new OfflineSpec(
            List.of(1, 4), List.of(8), List.of(4), new MeasurementPolicy(1, 3, 6, 10.0)));
    /** Per-trial noise of the fixture's times (3%). */
    static final double TRIAL_NOISE = 0.03;

    private FleetFixtures() {
    }

    /** A rank's result: its times divided by {@code speed}, with seeded 3% trial noise. */
    public static Result rankResult(double speed, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<OfflinePoint> points = new ArrayList<>();
        for (int b : List.of(1, 4)) {
            List<TrialRecord> trials = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                double f = (1 + TRIAL_NOISE * gaussian(random)) / speed;
                double prefill = (8 + 2.0 * b) * f;
                double[] steps = new double[3];
                Arrays.fill(steps, (4 + 0.5 * b) * f);
                trials.add(new TrialRecord(prefill, steps, prefill * 0.98, 3 * steps[0] * 0.98));
            }
            PointMetrics m = PointMetrics.offline(b, 8, 4, trials);
            points.add(new OfflinePoint(b, 8, 4, 1, trials, m, null, CostMetrics.of(PRICE, m), null, List.of()));
        }
        Environment env = TestResults.twoPoints().environment();
        return Result.of("2026-12-01T00:00:00Z", "2026-12-01T00:01:00Z", true, SPEC, env, points, List.of());
    }

    /** A greedy generation's outputs, the same for the same {@code variant}. */
    public static List<GreedyGeneration.Output> outputs(int variant) {
        List<GreedyGeneration.Output> out = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            float[] logits = new float[64];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) Math.sin(i * 0.7 + r) * 3;
            }
            int[] generated = {r + 1, r + 2, r + 3, 7 + r + variant};
            out.add(new GreedyGeneration.Output(r, new int[] {1, 2, 3}, generated, logits));
        }
        return out;
    }

    /** The answer of {@link #outputs}, from a deterministic backend. */
    public static Answer answer(int variant) {
        return Answer.of("cpu", true, 42, 16, outputs(variant));
    }

    /** A finished rank on {@code node}, its GPU {@code local}. */
    public static RankRecord finished(String fleet, int rank, int ranks, String node, int local, double speed,
            Answer answer) {
        return RankRecord.started(fleet, ranks, rank, node, "host-" + node, "77", new RankGpu(local,
                Integer.toString(local), null, null, "Test CPU 9000"), "2026-12-01T00:00:0" + rank + "Z", List.of(
                        "run", "--model", "tiny"), null).withVerify(VerifyOutcome.skipped("cpu")).withAnswer(answer)
                .finished("2026-12-01T00:01:00Z", rankResult(speed, 1000 + rank));
    }

    /** {@code ranks} identical ranks, two per node, written into {@code folder}; rank {@code slow} at {@code speed}. */
    public static void write(Path folder, String fleet, int ranks, int slow, double speed) {
        for (int r = 0; r < ranks; r++) {
            RankFiles.write(finished(fleet, r, ranks, "n" + (r / 2 + 1), r % 2, r == slow ? speed : 1.0, answer(0)),
                    folder);
        }
    }

    /** A merged fleet of six ranks in {@code folder}: rank 2 slow, rank 4 with wrong answers, rank 5 failed. */
    public static Result fleet(Path folder) {
        write(folder, "f", 5, 2, 0.5);
        RankFiles.write(finished("f", 4, 6, "n3", 0, 1.0, answer(1)), folder);
        RankFiles.write(RankRecord.started("f", 6, 5, "n3", "host-n3", "77", new RankGpu(1, "1", null, null, null),
                "2026-12-01T00:00:05Z", List.of("run"), "crash").failed("2026-12-01T00:00:09Z", "the device stopped"
                        + " answering", null), folder);
        return FleetMerge.merge(folder, FleetMerge.Options.defaults().withFleet("f", 6, "slurm", "77")).result();
    }

    private static double gaussian(SplittableRandom random) {
        // Box–Muller: one standard normal from two uniforms.
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
