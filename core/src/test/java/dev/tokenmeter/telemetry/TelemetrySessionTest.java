package dev.tokenmeter.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The session's arithmetic and its failure handling, over a {@link FakeGpu} on a clock the test moves (no sampler
 * thread: samples are taken at each end of a window and by {@code sampleNow}), and once with the real sampler.
 */
class TelemetrySessionTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    private TelemetrySession session(FakeGpu gpu) {
        return TelemetrySession.of(gpu, Duration.ZERO, now::get);
    }

    private void advance(double seconds) {
        now.addAndGet(Math.round(seconds * 1e9));
    }

    @Test
    void theEnergyCountersChangeGivesMeanPowerAndJoulesPerTokenAndQuery() {
        FakeGpu gpu = new FakeGpu();
        gpu.energyMillijoules = 1_000_000L;
        TelemetrySession s = session(gpu);
        s.begin("batch 8");
        advance(2);
        // Sampled power says 250 W; the counter, which integrates every millisecond, is what counts.
        gpu.powerMilliwatts = 250_000;
        s.sampleNow();
        gpu.energyMillijoules = 1_600_000L;
        TelemetryWindow w = s.end(1000, 10);
        assertNotNull(w);
        assertEquals("batch 8", w.label());
        assertEquals(2.0, w.seconds(), 1e-12);
        assertEquals(600.0, w.energyJoules(), 1e-9);
        assertEquals(TelemetryWindow.FROM_COUNTER, w.energyFrom());
        assertEquals(300.0, w.meanPowerWatts(), 1e-9);
        assertEquals(0.3, w.joulesPerOutputToken(), 1e-12, "300 W at 1000 tok/s");
        assertEquals(30.0, w.joulesPerQuery(), 1e-9, "300 W at 10 queries/s");
        assertEquals(300.0, w.maxPowerWatts(), 1e-12, "the highest sample");
        assertEquals(3, w.samples(), "begin, one in between, end");
        DeviceTelemetry t = s.finish();
        assertEquals(List.of(w), t.windows());
        assertNull(t.unavailable());
        assertEquals(DeviceTelemetry.NVML, t.source());
        assertEquals(FakeGpu.H200, t.gpu());
        assertEquals("580.95.05", t.driverVersion());
        assertEquals(0, t.sampleIntervalMs());
        assertTrue(gpu.closed, "the session closes its counters");
    }

    @Test
    void aRestartedWindowHoldsOnlyWhatFollowsTheRestart() {
        FakeGpu gpu = new FakeGpu();
        gpu.energyMillijoules = 0L;
        TelemetrySession s = session(gpu);
        s.restart(); // no window open: nothing
        s.begin("batch 8");
        // The warm-up: 3 s at 100 W.
        gpu.powerMilliwatts = 100_000;
        advance(3);
        s.sampleNow();
        gpu.energyMillijoules = 300_000L;
        s.restart();
        // The measured work: 2 s at 400 W.
        gpu.powerMilliwatts = 400_000;
        advance(2);
        s.sampleNow();
        gpu.energyMillijoules = 1_100_000L;
        TelemetryWindow w = s.end(800, 8);
        assertEquals("batch 8", w.label());
        assertEquals(2.0, w.seconds(), 1e-12, "from the restart");
        assertEquals(800.0, w.energyJoules(), 1e-9);
        assertEquals(400.0, w.meanPowerWatts(), 1e-9);
        assertEquals(0.5, w.joulesPerOutputToken(), 1e-12);
        assertEquals(1, s.finish().windows().size(), "one window, not two");
    }

    @Test
    void withoutAnEnergyCounterTheMeanOfSampledPowerIsUsed() {
        FakeGpu gpu = new FakeGpu();
        gpu.energyMillijoules = null;
        TelemetrySession s = session(gpu);
        gpu.powerMilliwatts = 200_000;
        s.begin("p");
        advance(1);
        gpu.powerMilliwatts = 300_000;
        s.sampleNow();
        advance(1);
        gpu.powerMilliwatts = 400_000;
        TelemetryWindow w = s.end(600, 3);
        assertEquals(TelemetryWindow.FROM_SAMPLES, w.energyFrom());
        assertEquals(300.0, w.meanPowerWatts(), 1e-9);
        assertEquals(600.0, w.energyJoules(), 1e-9, "mean power times 2 s");
        assertEquals(400.0, w.maxPowerWatts(), 1e-12);
        assertEquals(0.5, w.joulesPerOutputToken(), 1e-12);
        assertEquals(100.0, w.joulesPerQuery(), 1e-9);
    }

    @Test
    void aCounterThatWentBackwardsIsNotUsed() {
        FakeGpu gpu = new FakeGpu();
        gpu.energyMillijoules = 9_000_000L;
        TelemetrySession s = session(gpu);
        s.begin("p");
        advance(1);
        gpu.energyMillijoules = 10L;
        TelemetryWindow w = s.end(Double.NaN, Double.NaN);
        assertEquals(TelemetryWindow.FROM_SAMPLES, w.energyFrom(), "a driver reload restarts the counter");
        assertEquals(300.0, w.meanPowerWatts(), 1e-9);
        assertNull(w.joulesPerOutputToken(), "no rate, no energy per token");
        assertNull(w.joulesPerQuery());
    }

    @Test
    void clocksAndTemperatureAreSummarizedAndThrottleReasonsNamedWithoutGpuIdle() {
        FakeGpu gpu = new FakeGpu();
        TelemetrySession s = session(gpu);
        int[] sm = {1980, 1410, 1755, 1980};
        int[] temps = {40, 63, 58, 50};
        long[] reasons = {ThrottleReason.GPU_IDLE.bit(), ThrottleReason.SW_POWER_CAP.bit(),
            ThrottleReason.GPU_IDLE.bit() | ThrottleReason.HW_THERMAL_SLOWDOWN.bit(), 0};
        for (int i = 0; i < sm.length; i++) {
            gpu.smClockMhz = sm[i];
            gpu.memoryClockMhz = 3000 + i;
            gpu.temperatureC = temps[i];
            gpu.reasons = reasons[i];
            if (i == 0) {
                s.begin("p");
            } else if (i < sm.length - 1) {
                s.sampleNow();
            }
        }
        TelemetryWindow w = s.end(1, 1);
        assertEquals(1410, w.smClockMhzMin());
        assertEquals(1868, w.smClockMhzMedian(), "the mean of 1755 and 1980, rounded");
        assertEquals(3002, w.memClockMhzMedian(), "3001.5 rounds up");
        assertEquals(63, w.maxTemperatureC());
        assertEquals(List.of("SW power cap", "HW thermal slowdown"), w.throttleReasons());
        assertEquals(4, w.samples());
    }

    @Test
    void everyThrottleBitHasItsName() {
        assertEquals(List.of("GPU idle", "applications clocks setting", "SW power cap", "HW slowdown", "sync boost",
                "SW thermal slowdown", "HW thermal slowdown", "HW power brake slowdown", "display clocks setting",
                "reason 0x200"), ThrottleReason.names(0x3ffL));
        assertEquals(List.of(), ThrottleReason.names(0));
    }

    @Test
    void unsupportedCountersAreNull() {
        FakeGpu gpu = new FakeGpu();
        gpu.powerMilliwatts = null;
        gpu.smClockMhz = null;
        gpu.memoryClockMhz = null;
        gpu.temperatureC = null;
        gpu.reasons = null;
        gpu.ecc = new EccCounts(null, null, null, null);
        gpu.identity = new GpuIdentity(null, null, null, null);
        TelemetrySession s = session(gpu);
        s.begin("p");
        advance(1);
        TelemetryWindow w = s.end(100, 1);
        assertEquals(1.0, w.seconds(), 1e-12);
        assertNull(w.energyJoules());
        assertNull(w.energyFrom());
        assertNull(w.meanPowerWatts());
        assertNull(w.maxPowerWatts());
        assertNull(w.smClockMhzMin());
        assertNull(w.smClockMhzMedian());
        assertNull(w.memClockMhzMedian());
        assertNull(w.maxTemperatureC());
        assertNull(w.joulesPerOutputToken());
        assertNull(w.joulesPerQuery());
        assertEquals(List.of(), w.throttleReasons());
        assertEquals(2, w.samples());
        DeviceTelemetry t = s.finish();
        assertNull(t.unavailable(), "unsupported counters are not a failure");
        assertFalse(t.eccEnd().supported());
        assertFalse(t.retiredPagesEnd().supported());
        assertEquals("GPU", t.gpu().describe());
    }

    @Test
    void aCounterThatFailsMidRunStopsTheSessionAndKeepsTheWindowsBeforeIt() {
        FakeGpu gpu = new FakeGpu();
        gpu.energyMillijoules = 0L;
        TelemetrySession s = session(gpu);
        s.begin("first");
        advance(1);
        gpu.energyMillijoules = 300_000L;
        assertNotNull(s.end(10, 1));
        gpu.failPowerFrom = gpu.powerReads + 2;
        s.begin("second");
        advance(1);
        s.sampleNow();
        assertFalse(s.available());
        assertNull(s.end(10, 1), "the window the failure fell in is dropped");
        s.begin("third");
        assertNull(s.end(10, 1), "nothing is read after a failure");
        DeviceTelemetry t = s.finish();
        assertEquals(List.of("first"), t.windows().stream().map(TelemetryWindow::label).toList());
        assertEquals("NVML failed while sampling point 'second': nvmlDeviceGetPowerUsage: GPU is lost (NVML error"
                + " 15); the window before it is kept", t.unavailable());
        assertNull(t.eccEnd(), "not read after the failure");
        assertEquals(gpu.ecc, t.eccStart());
        assertTrue(gpu.closed);
    }

    @Test
    void aFailureWhenOpeningLeavesAnEmptyRecordWithTheReason() {
        FakeGpu gpu = new FakeGpu() {
            @Override
            public EccCounts eccCounts() {
                throw new IllegalStateException("nvmlDeviceGetTotalEccErrors: Unknown Error (NVML error 999)");
            }
        };
        TelemetrySession s = session(gpu);
        assertFalse(s.available());
        s.begin("p");
        assertNull(s.end(1, 1));
        DeviceTelemetry t = s.finish();
        assertEquals("NVML failed when the run started: nvmlDeviceGetTotalEccErrors: Unknown Error (NVML error 999)",
                t.unavailable());
        assertEquals(List.of(), t.windows());
        assertEquals(FakeGpu.H200, t.gpu(), "what was read before the failure is kept");
    }

    @Test
    void finishEndsAnOpenWindowReadsEccAgainAndIsIdempotent() {
        FakeGpu gpu = new FakeGpu(now::get);
        TelemetrySession s = session(gpu);
        s.begin("stopped part way");
        advance(0.5);
        gpu.ecc = new EccCounts(1L, 0L, 3L, 0L);
        DeviceTelemetry t = s.finish();
        assertEquals(1, t.windows().size());
        TelemetryWindow w = t.windows().get(0);
        assertEquals(150.0, w.energyJoules(), 1e-9, "300 W for 0.5 s");
        assertNull(w.joulesPerOutputToken(), "a point that did not finish has no rates");
        assertEquals(new EccCounts(0L, 0L, 2L, 0L), t.eccStart());
        assertEquals(new EccCounts(1L, 0L, 3L, 0L), t.eccEnd());
        assertSame(t, s.finish());
        s.close();
        s.begin("after");
        assertNull(s.end(1, 1));
    }

    @Test
    void beginningAWindowEndsOneLeftOpen() {
        FakeGpu gpu = new FakeGpu(now::get);
        TelemetrySession s = session(gpu);
        s.begin("a");
        advance(1);
        s.begin("b");
        advance(1);
        s.end(100, 1);
        assertEquals(List.of("a", "b"), s.finish().windows().stream().map(TelemetryWindow::label).toList());
    }

    @Test
    void theSamplerSamplesAnOpenWindowInTheBackground() throws InterruptedException {
        FakeGpu gpu = new FakeGpu(System::nanoTime);
        TelemetrySession s = TelemetrySession.of(gpu, Duration.ofMillis(5));
        s.begin("p");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gpu.powerReads < 5 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        TelemetryWindow w = s.end(1000, 10);
        DeviceTelemetry t = s.finish();
        assertTrue(w.samples() >= 5, () -> "samples: " + w.samples());
        assertEquals(300.0, w.meanPowerWatts(), 3.0, "the counter's change over the window's own clock");
        assertEquals(5, t.sampleIntervalMs());
        int reads = gpu.powerReads;
        Thread.sleep(30);
        assertEquals(reads, gpu.powerReads, "nothing is read once the session finished");
    }

    @Test
    void unavailableSessionsSayWhyAndReadNothing() {
        TelemetrySession s = TelemetrySession.unavailable("no NVIDIA GPU in this run (cpu backend)");
        assertFalse(s.available());
        s.begin("p");
        assertNull(s.end(1, 1));
        DeviceTelemetry t = s.finish();
        assertEquals(DeviceTelemetry.unavailable("no NVIDIA GPU in this run (cpu backend)"), t);
        assertNull(t.sampleIntervalMs());
        assertThrows(IllegalArgumentException.class, () -> TelemetrySession.of(new FakeGpu(), Duration.ofMillis(-1)));
    }

    @Test
    void perUnitNeedsAPositiveFiniteRate() {
        assertNull(WindowRecorder.perUnit(300.0, 0));
        assertNull(WindowRecorder.perUnit(300.0, Double.NaN));
        assertNull(WindowRecorder.perUnit(null, 10));
        assertEquals(30.0, WindowRecorder.perUnit(300.0, 10), 1e-12);
        assertNull(WindowRecorder.median(List.of()));
        assertEquals(2, WindowRecorder.median(List.of(3, 1, 2)));
    }
}
