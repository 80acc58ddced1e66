package dev.tokenmeter.scenario.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.scenario.OnTheCpu;
import dev.tokenmeter.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The offline scenario end to end on the CPU backend with the tiny model: two points (batch 1 and 2, prompt 8,
 * output 4), no warm-up unless a test needs one, the fewest trials, on one backend for the class.
 */
class OfflineRunnerTest extends OnTheCpu {
    private static OfflineSpec twoPoints(MeasurementPolicy policy) {
        return new OfflineSpec(List.of(1, 2), List.of(8), List.of(4), policy);
    }

    private static RunSpec spec(MeasurementPolicy policy) {
        return new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 2, null, twoPoints(policy));
    }

    @Test
    void aCompleteRunHasEveryPointInOrderWithConsistentMetrics() {
        RunSpec spec = spec(new MeasurementPolicy(0, 2, 2, 0));
        Result r = ScenarioRunner.run(spec, backend, RunListener.NONE);
        assertTrue(r.complete());
        // The result records the spec as asked, with the price it used (none was asked: the CPU's preset).
        assertNotNull(r.spec().price());
        assertEquals(spec.withPrice(r.spec().price()), r.spec());
        assertEquals("offline", r.scenario());
        assertSame(OfflineScenario.TYPE, r.type());
        assertEquals(Result.TOOL, r.tool());
        assertEquals(Result.SCHEMA_VERSION, r.schemaVersion());
        // No run-level warning but the host's own, when the machine running the tests was busy meanwhile.
        HostActivity host = r.environment().host();
        assertEquals(host.busy() ? List.of(host.warning()) : List.of(), r.warnings());
        List<OfflinePoint> points = r.points(OfflinePoint.class);
        assertEquals(2, points.size());
        for (int i = 0; i < 2; i++) {
            OfflinePoint p = points.get(i);
            String at = "point " + i;
            assertEquals(((OfflineSpec) spec.scenario()).points().get(i).batch(), p.batch(), at);
            assertEquals(8, p.promptLength(), at);
            assertEquals(4, p.outputLength(), at);
            assertEquals("batch " + (i + 1) + ", prompt 8, output 4", p.label(), at);
            assertEquals(0, p.warmupTrials(), at);
            assertEquals(2, p.trials().size(), at);
            for (TrialRecord t : p.trials()) {
                assertEquals(3, t.decodeStepMs().length, at + ": output − 1 decode steps");
                assertTrue(t.prefillMs() > 0 && t.prefillDeviceMs() > 0 && t.decodeDeviceMs() > 0, at + ": " + t);
                // The device time of a step is measured inside its host time.
                assertTrue(t.prefillDeviceMs() <= t.prefillMs(), at + ": " + t);
                assertTrue(t.decodeDeviceMs() <= t.decodeMs(), at + ": " + t);
                for (double d : t.decodeStepMs()) {
                    assertTrue(d > 0, at + ": " + Arrays.toString(t.decodeStepMs()));
                }
            }
            // The metrics are those of these trials.
            double[] ttft = p.trials().stream().mapToDouble(TrialRecord::prefillMs).sorted().toArray();
            double[] e2e = p.trials().stream().mapToDouble(TrialRecord::e2eMs).sorted().toArray();
            assertEquals(2, p.metrics().ttftMs().n(), at);
            assertEquals((ttft[0] + ttft[1]) / 2, p.metrics().ttftMs().p50(), 1e-9, at);
            assertEquals((e2e[0] + e2e[1]) / 2, p.metrics().e2eMs().mean(), 1e-9, at);
            assertEquals(p.batch() * 8L, p.metrics().inputTokens(), at);
            assertEquals(p.batch() * 4L, p.metrics().outputTokens(), at);
            double fastest = p.batch() * 4 / (e2e[0] / 1e3);
            assertEquals(fastest, p.metrics().outputTokensPerSecond().max(), 1e-6 * fastest, at);
            // Roofline: finite figures, measured utilization present, no datasheet for a CPU.
            Roofline rf = p.roofline();
            for (double v : new double[] {rf.prefillBytes(), rf.prefillFlops(), rf.decodeBytes(), rf.decodeFlops(),
                rf.prefillFloorMs(), rf.decodeFloorMs()}) {
                assertTrue(Double.isFinite(v) && v > 0, at + ": " + rf);
            }
            Utilization u = rf.measured();
            for (double v : new double[] {u.prefillMbu(), u.prefillMfu(), u.decodeMbu(), u.decodeMfu()}) {
                assertTrue(Double.isFinite(v) && v > 0, at + ": " + u);
            }
            assertNull(rf.datasheet(), at);
            // A CPU run slower than its own measured FMA peak and copy bandwidth: no measurement error.
            assertNull(rf.violation(), at + ": " + rf.violation());
            // Two trials of a cold tiny model rarely pin the mean to 1%: that is reported, and is the only warning.
            assertTrue(p.warnings().stream().allMatch(w -> w.startsWith(OfflineRunner.IMPRECISION)),
                    at + ": " + p.warnings());
            assertEquals(p.precision().reached(), p.warnings().isEmpty(), at);
            assertEquals("output tok/s", p.precision().metric(), at);
            // No price was given: the CPU instance preset applies.
            assertNotNull(p.cost(), at);
            assertEquals("cpu", p.cost().priceLabel(), at);
            assertTrue(p.cost().usdPerMillionOutput() > 0, at);
        }
        Environment env = r.environment();
        assertNotNull(env);
        assertEquals("cpu", env.device().kind());
        assertEquals("cpu", env.device().backend());
        assertFalse(env.device().name().isBlank());
        assertTrue(env.device().measured().memoryBandwidth() > 0 && env.device().measured().flops() > 0);
        assertFalse(env.jvm().isBlank());
        assertFalse(env.os().isBlank());
        assertFalse(env.cpu().isBlank());
        assertNotNull(env.tokenmeterVersion());
        assertNotNull(env.gitCommit());
        assertTrue(env.cpuCores() >= 1 && env.maxHeapBytes() > 0);
        assertNotNull(r.startedAt());
        assertNotNull(r.finishedAt());
        assertTrue(r.startedAt().compareTo(r.finishedAt()) <= 0, r.startedAt() + " .. " + r.finishedAt());
    }

    @Test
    void aSingleOutputTokenIsPrefillOnly() {
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 2, null,
                new OfflineSpec(List.of(2), List.of(4), List.of(1), new MeasurementPolicy(0, 1, 1, 0)));
        Result r = ScenarioRunner.run(spec, backend, RunListener.NONE);
        assertTrue(r.complete());
        OfflinePoint p = r.points(OfflinePoint.class).get(0);
        assertEquals(0, p.trials().get(0).decodeStepMs().length);
        assertEquals(p.trials().get(0).prefillMs(), p.metrics().e2eMs().p50(), 1e-12);
        assertNull(p.metrics().tpotMs());
        assertNull(p.metrics().itlMs());
        assertEquals(0, p.roofline().decodeBytes());
        assertTrue(Double.isNaN(p.roofline().measured().decodeMbu()));
        assertTrue(Double.isFinite(p.roofline().measured().prefillMbu()));
        assertNull(p.roofline().violation(), p.roofline().violation());
        assertNotNull(p.cost());
    }

    /** Records the events of an offline run, one line each: the progress lines name the warm-up and trials. */
    private static class Recorder implements RunListener {
        final List<String> events = new ArrayList<>();
        Result finished;

        @Override
        public void pointStarted(String point, int index, int total) {
            events.add("pointStarted " + index + "/" + total + " " + point);
        }

        @Override
        public void progress(PointProgress progress) {
            assertTrue(progress.milestone(), "every offline progress event is a warm-up or a trial: " + progress);
            assertTrue(progress.fraction() >= 0 && progress.fraction() <= 1, progress.toString());
            // "trial 2 ±3.4% (target ±1%)": the precision so far varies from run to run; the count does not.
            events.add(progress.status().replaceAll(" ±.*", ""));
        }

        @Override
        public void pointFinished(ScenarioPoint point, int index, int total) {
            events.add("pointFinished " + index + "/" + total + " " + point.label());
        }

        @Override
        public void finished(Result result) {
            events.add("finished " + result.complete());
            finished = result;
        }
    }

    @Test
    void theListenerHearsTheWarmUpAndEveryTrialInOrder() {
        Recorder rec = new Recorder();
        // Through the provider lookup this time: selection by name, open, run, close.
        Result r = ScenarioRunner.run(spec(new MeasurementPolicy(1, 2, 2, 0)), rec);
        assertEquals(List.of(
                "pointStarted 0/2 batch 1, prompt 8, output 4", "warm-up 1/1", "trial 1", "trial 2",
                "pointFinished 0/2 batch 1, prompt 8, output 4",
                "pointStarted 1/2 batch 2, prompt 8, output 4", "warm-up 1/1", "trial 1", "trial 2",
                "pointFinished 1/2 batch 2, prompt 8, output 4",
                "finished true"), rec.events);
        assertSame(r, rec.finished);
        assertEquals(1, r.points(OfflinePoint.class).get(0).warmupTrials());
    }

    @Test
    void aFailingListenerStopsTheRunButFinishedStillHearsIt() {
        RuntimeException boom = new IllegalStateException("listener failed");
        Recorder rec = new Recorder() {
            @Override
            public void pointStarted(String point, int index, int total) {
                super.pointStarted(point, index, total);
                if (index == 1) {
                    throw boom;
                }
            }
        };
        RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> ScenarioRunner.run(spec(new MeasurementPolicy(0, 1, 1, 0)), backend, rec));
        assertSame(boom, thrown);
        assertEquals("finished false", rec.events.get(rec.events.size() - 1), rec.events.toString());
        Result partial = rec.finished;
        assertNotNull(partial);
        assertFalse(partial.complete());
        assertEquals(1, partial.points().size());
        assertEquals(1, partial.points(OfflinePoint.class).get(0).batch());
        assertTrue(partial.warnings().stream().anyMatch(w -> w.contains("1 of 2 points")), partial.warnings()
                .toString());
        assertTrue(partial.warnings().stream().anyMatch(w -> w.contains("listener failed")), partial.warnings()
                .toString());
    }

    @Test
    void theFractionDoneEndsAtTheFirstLimitAndNeverBeforeMinTrials() {
        MeasurementPolicy p = new MeasurementPolicy(0, 4, 10, 20);
        assertEquals(0, OfflineRunner.fraction(p, 0, 0));
        assertEquals(0.2, OfflineRunner.fraction(p, 2, 1), 1e-12, "2 of 10 trials ahead of 1 of 20 s");
        assertEquals(0.25, OfflineRunner.fraction(p, 2, 5), 1e-12, "5 of 20 s ahead of 2 of 10 trials");
        assertEquals(0.5, OfflineRunner.fraction(p, 2, 19), 1e-12, "capped at 2 of the 4 trials always run");
        assertEquals(1, OfflineRunner.fraction(p, 4, 30), "past the budget with the minimum done");
        assertEquals(1, OfflineRunner.fraction(p, 10, 0), "at the maximum");
        assertEquals(1, OfflineRunner.fraction(new MeasurementPolicy(0, 1, 2, 0), 1, 0),
                "a budget of 0 ends the point once minTrials are done");
        assertEquals(0.5, OfflineRunner.fraction(new MeasurementPolicy(0, 2, 3, 0), 1, 0), 1e-12,
                "and not before");
    }

    @Test
    void percentagesHaveAtMostTwoDecimalsAndNoTrailingZeros() {
        assertEquals("1%", OfflineRunner.percent(0.01));
        assertEquals("1.23%", OfflineRunner.percent(0.0123));
        assertEquals("2.5%", OfflineRunner.percent(0.025));
        assertEquals("0.01%", OfflineRunner.percent(0.0001));
        assertEquals("100%", OfflineRunner.percent(1));
        assertEquals("0%", OfflineRunner.percent(0));
    }
}
