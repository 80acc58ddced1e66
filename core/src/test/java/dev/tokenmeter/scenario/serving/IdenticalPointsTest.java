package dev.tokenmeter.scenario.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.compare.Comparer;
import dev.tokenmeter.compare.Comparison;
import dev.tokenmeter.compare.ComparisonReport;
import dev.tokenmeter.compare.RegressionGate;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.Significance;
import dev.tokenmeter.scenario.OnTheCpu;
import dev.tokenmeter.scenario.ScenarioRunner;
import dev.tokenmeter.serving.WarmUp;
import dev.tokenmeter.serving.load.LengthDistribution;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Identical serving points of the tiny model on the CPU: after the warm-up, the first of three identical points is
 * no slower than the other two (before the warm-up went on until the step time was steady, its TPOT p50 was 1.3 to
 * 20 times theirs); and identical short sweeps, each point measured three times, compare with no false
 * regression.
 */
class IdenticalPointsTest extends OnTheCpu {
    private static ServingSpec.Builder tiny() {
        return Benchmark.serving().model("tiny").backend("cpu").threads(2)
                .promptLengths(LengthDistribution.uniform(16, 64)).outputLengths(LengthDistribution.fixed(16));
    }

    /** Each completed request's TPOT, ms: (E2E − TTFT) / (tokens − 1), from the point's log. */
    private static double[] tpots(ServingPoint p) {
        return p.requestLog().stream().filter(e -> e.outcome() == RequestEntry.Outcome.COMPLETED && e.output() > 1)
                .mapToDouble(e -> Arrays.stream(e.gapsNs()).sum() / 1e6 / (e.output() - 1)).sorted().toArray();
    }

    /**
     * The CPU time the whole host and this process have used so far, ns: the host's from /proc/stat (every state
     * but idle and iowait, at the usual 100 ticks a second), or -1 where it cannot be read (not Linux).
     */
    private static long[] cpuTimes() {
        long own = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length; i++) {
                busy += i == 4 || i == 5 ? 0 : Long.parseLong(f[i]);
            }
            return new long[] {busy * 10_000_000L, own};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, own};
        }
    }

    @Test
    void threeIdenticalPointsAgreeAfterTheWarmUp() {
        // Three points of one workload, one after another: the first point's requests' TPOTs must not be slower
        // than the other two points' together, by Mann-Whitney's test, one-sided, at 0.001: the first point agrees
        // with the later ones within their own noise; no speed is asserted. With the 8 warm-up requests that used to
        // be all, the first point's TPOT p50 was 1.3 to 20 times the others', and this test's p-value for it between
        // 1e-7 and 1e-4 (on a 2-core host); since, 0.1 to 0.9. Only the first is held to it: what the warm-up
        // fixes is the first point's distortion, while a pause of a shared host can slow any one point by its own
        // amount (once the middle point's p50 was 1.3 times the others'). Other processes taking the CPU while the
        // points run slow each point beyond the points' noise: the check is skipped, saying so, when they took a
        // quarter of a core or more (where /proc/stat can be read).
        long[] before = cpuTimes();
        long start = System.nanoTime();
        Result r = ScenarioRunner.run(tiny().rates(100, 100, 100).requests(100).warmupMaxSeconds(10).spec(), backend,
                RunListener.NONE);
        long[] after = cpuTimes();
        // What other processes took of the host meanwhile, in cores: their pauses are noise no point measures.
        double busy = before[0] < 0 || before[1] < 0 ? 0 : (after[0] - before[0] - (after[1] - before[1]))
                / (double) (System.nanoTime() - start);
        Assumptions.assumeTrue(busy < 0.25, () -> String.format(Locale.ROOT, "the host was busy: other processes"
                + " used %.2f cores while the points ran, so identical points differ by more than their own noise;"
                + " this check needs a quiet host", busy));
        List<ServingPoint> points = r.points(ServingPoint.class);
        assertEquals(3, points.size());
        WarmUp.Report warmup = points.get(0).warmup();
        assertNotNull(warmup, "the first point records the warm-up before it");
        assertNotEquals(WarmUp.Status.NOT_CHECKED, warmup.status());
        assertTrue(warmup.requests() >= 8, "at least --warmup-requests: " + warmup.describe());
        assertNull(points.get(1).warmup());
        double[] first = tpots(points.get(0));
        double[] others = Arrays.stream(new double[][] {tpots(points.get(1)), tpots(points.get(2))})
                .flatMapToDouble(Arrays::stream).sorted().toArray();
        double twoSided = new MannWhitneyUTest().mannWhitneyUTest(first, others);
        boolean slower = first[first.length / 2] > others[others.length / 2];
        double p = slower ? twoSided / 2 : 1 - twoSided / 2;
        assertTrue(p >= 0.001, () -> String.format(Locale.ROOT, "the first point is slower than the next two: TPOT"
                + " p50 %.4f ms against %.4f and %.4f ms, one-sided p = %.2g (warm-up: %s)",
                points.get(0).metrics().tpotMs().p50(), points.get(1).metrics().tpotMs().p50(),
                points.get(2).metrics().tpotMs().p50(), p, warmup.describe()));
    }

    @Test
    void identicalShortSweepsRepeatedCompareWithNoFalseRegression() {
        // Points of 30 requests at 200 and 400 req/s last a tenth of a second: judged on the completion rate alone,
        // one pause of the host made such a point OVERLOADED in one run and not the next, and the gate failed on
        // identical code. Now they are too short to judge, and each is measured three times.
        ServingSpec.Builder sweep = tiny().rates(200, 400).requests(30).repeat(3).warmupMaxSeconds(5);
        Result a = ScenarioRunner.run(sweep.spec(), backend, RunListener.NONE);
        Result b = ScenarioRunner.run(sweep.spec(), backend, RunListener.NONE);
        for (Result r : List.of(a, b)) {
            for (ServingPoint p : r.points(ServingPoint.class)) {
                assertEquals(3, p.runs().size(), p.label());
                assertEquals(2, p.repeats().size(), p.label());
                for (ServingRun run : p.runs()) {
                    assertEquals(30, run.requestLog().size(), p.label() + ": the same workload each run");
                }
                assertEquals(p.requestLog().stream().map(RequestEntry::arrivalNs).toList(), p.repeats().get(1)
                        .requestLog().stream().map(RequestEntry::arrivalNs).toList(), "the same arrivals");
            }
        }
        Comparison c = Comparer.defaults().compare(a, b);
        assertEquals(Significance.TRIALS, c.significance(), "three runs a side are samples");
        assertTrue(c.changes().stream().allMatch(m -> m.baselineTrials() == 3 && m.candidateTrials() == 3),
                c.changes().toString());
        RegressionGate gate = RegressionGate.parse("3%");
        assertTrue(gate.passes(c), String.join("\n", ComparisonReport.gateLines(c, gate)) + "\n"
                + ComparisonReport.console(c));
    }
}
