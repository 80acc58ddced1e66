package dev.tokenmeter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.HostSnapshot;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.report.ConsoleReport;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineScenario;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.FakeGpu;
import dev.tokenmeter.telemetry.TelemetrySession;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every run records its device's telemetry in its environment: on this machine's CPU, why there is none; with a
 * fake GPU's counters in place of NVML's, a window per point whose energy per output token and per query is the
 * window's mean power over the point's own median rates, offline and serving alike; and a run that fails part way
 * still records the windows it measured, the point it stopped in included.
 */
class TelemetryRunTest extends OnTheCpu {
    private static RunSpec offline() {
        return Benchmark.offline().model("tiny").backend("cpu").threads(2).batchSizes(1, 2).promptLengths(8)
                .outputLengths(4).measurement(new MeasurementPolicy(0, 2, 2, 0)).spec();
    }

    /** A fake GPU drawing a steady 250 W, without an energy counter: every window's mean power is 250 W exactly. */
    private static TelemetrySession fakeGpu(FakeGpu gpu) {
        gpu.powerMilliwatts = 250_000;
        gpu.energyMillijoules = null;
        return TelemetrySession.of(gpu, Duration.ZERO);
    }

    @Test
    void aCpuRunRecordsWhyItHasNoTelemetry() {
        Result r = ScenarioRunner.run(offline(), backend, RunListener.NONE);
        DeviceTelemetry t = r.environment().telemetry();
        assertNotNull(t, "every run records its telemetry, or why it has none");
        assertEquals(DeviceTelemetry.unavailable("no NVIDIA GPU in this run (cpu backend)"), t);
        assertTrue(ConsoleReport.render(r).contains("\nTelemetry: not available: no NVIDIA GPU in this run (cpu"
                + " backend)\n"), ConsoleReport.render(r));
        assertEquals(t, ResultJson.parse(ResultJson.toJson(r), "cpu.json").environment().telemetry());
    }

    @Test
    void eachOfflinePointIsAWindowWithItsEnergyPerTokenAndQuery() {
        FakeGpu gpu = new FakeGpu();
        Result r = ScenarioRunner.run(offline(), backend, RunListener.NONE, HostSnapshot::read, d -> fakeGpu(gpu));
        DeviceTelemetry t = r.environment().telemetry();
        assertNull(t.unavailable());
        assertEquals(FakeGpu.H200, t.gpu());
        assertWindowPerPoint(OfflineScenario.TYPE, r, t);
        assertTrue(gpu.closed, "the runner finishes the session");
    }

    @Test
    void anOfflinePointsWindowLeavesItsWarmUpOut() {
        // Each warm-up trial adds 1000 J to the fake GPU's energy counter, each measured trial 1 J: the window, which
        // starts again once the warm-up is done, holds one joule per measured trial and nothing of the warm-up.
        FakeGpu gpu = new FakeGpu();
        gpu.energyMillijoules = 0L;
        RunListener energy = new RunListener() {
            @Override
            public void progress(PointProgress p) {
                gpu.energyMillijoules += p.status().startsWith("warm-up") ? 1_000_000 : 1_000;
            }
        };
        RunSpec spec = Benchmark.offline().model("tiny").backend("cpu").threads(2).batchSizes(1, 2).promptLengths(8)
                .outputLengths(4).measurement(new MeasurementPolicy(3, 2, 2, 0, 0.01, 0)).spec();
        Result r = ScenarioRunner.run(spec, backend, energy, HostSnapshot::read,
                d -> TelemetrySession.of(gpu, Duration.ZERO));
        List<TelemetryWindow> windows = r.environment().telemetry().windows();
        assertEquals(2, windows.size());
        for (TelemetryWindow w : windows) {
            assertEquals(TelemetryWindow.FROM_COUNTER, w.energyFrom(), w.toString());
            assertEquals(2.0, w.energyJoules(), 1e-9, "two measured trials, none of the three warm-up ones: " + w);
        }
        assertEquals(3, r.points(OfflinePoint.class).get(0).warmupTrials());
    }

    @Test
    void beforeEachPointFinishesTheListenersHearTheTelemetrySoFar() {
        List<DeviceTelemetry> heard = new ArrayList<>();
        List<Integer> windowsAtPoint = new ArrayList<>();
        RunListener listener = new RunListener() {
            @Override
            public void telemetry(DeviceTelemetry soFar) {
                heard.add(soFar);
            }

            @Override
            public void pointFinished(ScenarioPoint point, int index, int total) {
                windowsAtPoint.add(heard.get(heard.size() - 1).windows().size());
            }
        };
        Result r = ScenarioRunner.run(offline(), backend, listener, HostSnapshot::read, d -> fakeGpu(new FakeGpu()));
        assertEquals(List.of(1, 2), windowsAtPoint, "a point's own window is in what is heard before it finishes");
        DeviceTelemetry last = heard.get(1);
        assertEquals(r.environment().telemetry().windows(), last.windows());
        assertEquals(FakeGpu.H200, last.gpu());
        assertNotNull(last.eccStart());
        assertNull(last.eccEnd(), "the run's end is not read before it ends");
    }

    @Test
    void eachServingPointIsAWindowWithItsEnergyPerTokenAndQuery() {
        RunSpec spec = Benchmark.serving().model("tiny").backend("cpu").threads(2).rates(400, 800).requests(6)
                .promptLengths(LengthDistribution.fixed(8)).outputLengths(LengthDistribution.fixed(3))
                .warmupRequests(1).spec();
        Result r = ScenarioRunner.run(spec, backend, RunListener.NONE, HostSnapshot::read, d -> fakeGpu(new FakeGpu()));
        DeviceTelemetry t = r.environment().telemetry();
        assertWindowPerPoint(ServingScenario.TYPE, r, t);
        ServingPoint p = r.points(ServingPoint.class).get(0);
        assertEquals(p.metrics().outputTokensPerSecond(), ServingScenario.TYPE.outputTokensPerSecond(p), 0,
                "one run: its own rate");
    }

    private static <P extends ScenarioPoint> void assertWindowPerPoint(ScenarioType<?, P> type, Result r,
            DeviceTelemetry t) {
        List<P> points = r.points(type.pointType());
        assertEquals(points.size(), t.windows().size(), "a window per point");
        for (int i = 0; i < points.size(); i++) {
            P p = points.get(i);
            TelemetryWindow w = t.windowOf(i, p.label());
            assertNotNull(w, "the window of " + p.label());
            assertEquals(250.0, w.meanPowerWatts(), 1e-9);
            assertEquals(TelemetryWindow.FROM_SAMPLES, w.energyFrom());
            assertTrue(w.seconds() > 0, w.toString());
            double tokens = type.outputTokensPerSecond(p);
            double queries = type.requestsPerSecond(p);
            assertTrue(tokens > 0 && queries > 0, p.label());
            assertEquals(250.0 / tokens, w.joulesPerOutputToken(), 1e-12 * w.joulesPerOutputToken());
            assertEquals(250.0 / queries, w.joulesPerQuery(), 1e-12 * w.joulesPerQuery());
        }
    }

    @Test
    void aRunThatFailsKeepsItsWindowsAndThePointItStoppedIn() {
        FakeGpu gpu = new FakeGpu();
        List<Result> finished = new ArrayList<>();
        RunListener failSecond = new RunListener() {
            @Override
            public void pointStarted(String point, int index, int total) {
                if (index == 1) {
                    throw new IllegalStateException("stopped by the test");
                }
            }

            @Override
            public void finished(Result result) {
                finished.add(result);
            }
        };
        assertThrows(IllegalStateException.class,
                () -> ScenarioRunner.run(offline(), backend, failSecond, HostSnapshot::read, d -> fakeGpu(gpu)));
        Result r = finished.get(0);
        assertFalse(r.complete());
        List<TelemetryWindow> windows = r.environment().telemetry().windows();
        assertEquals(List.of("batch 1, prompt 8, output 4", "batch 2, prompt 8, output 4"),
                windows.stream().map(TelemetryWindow::label).toList());
        assertNotNull(windows.get(0).joulesPerOutputToken());
        assertNull(windows.get(1).joulesPerOutputToken(), "a point that did not finish has no rates");
        assertTrue(gpu.closed);
    }

    @Test
    void aTelemetrySessionThatCannotBeOpenedIsTheReasonNotTheRunsFailure() {
        Result r = ScenarioRunner.run(offline(), backend, RunListener.NONE, HostSnapshot::read, d -> {
            throw new IllegalStateException("no session for the test");
        });
        assertTrue(r.complete());
        assertEquals("telemetry could not start: java.lang.IllegalStateException: no session for the test",
                r.environment().telemetry().unavailable());
    }
}
