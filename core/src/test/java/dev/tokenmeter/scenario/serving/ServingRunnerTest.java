package dev.tokenmeter.scenario.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.scenario.OnTheCpu;
import dev.tokenmeter.scenario.ScenarioRunner;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The serving scenario on the CPU backend with the tiny model, one mode at a time: what each point records of its
 * load (mode, offered rate, concurrency, the request log) and what the run leaves in its result, on one
 * backend for the class.
 */
class ServingRunnerTest extends OnTheCpu {
    private static ServingSpec.Builder tiny() {
        return Benchmark.serving().model("tiny").backend("cpu").threads(2).requests(16)
                .promptLengths(LengthDistribution.uniform(8, 24)).outputLengths(LengthDistribution.fixed(4))
                .warmupRequests(2);
    }

    private static Result run(ServingSpec.Builder b) {
        return ScenarioRunner.run(b.spec(), backend, RunListener.NONE);
    }

    /** The log holds every request of the point once, in id order, each admitted between arrival and first token. */
    private static void assertLogCoversEveryRequest(ServingPoint p) {
        List<RequestEntry> log = p.requestLog();
        assertNotNull(log, p.label());
        assertEquals(p.requests(), log.size(), p.label());
        for (int i = 0; i < log.size(); i++) {
            RequestEntry e = log.get(i);
            assertEquals(i, e.id(), p.label());
            assertEquals(RequestEntry.Outcome.COMPLETED, e.outcome(), p.label());
            assertEquals(e.output() - 1, e.gapsNs().length, p.label() + ": a gap between each two tokens");
            assertNotNull(e.admittedNs(), p.label());
            assertTrue(e.arrivalNs() <= e.admittedNs() && e.admittedNs() <= e.firstTokenNs(), p.label() + " " + e);
        }
    }

    @Test
    void aTraceIsReplayedAtItsOwnLengthsAndScaled() {
        List<Arrival> trace = List.of(new Arrival(0, 0, 10, 5), new Arrival(1, 0.02, 20, 3),
                new Arrival(2, 0.04, 5, 6));
        Result r = run(tiny().trace("t.jsonl", trace, 0.5));
        assertTrue(r.complete());
        ServingPoint p = r.points(ServingPoint.class).get(0);
        assertEquals("trace t.jsonl", p.label());
        assertEquals(ServingMode.TRACE, p.mode());
        assertEquals(3 / 0.02, p.offeredRate(), 1e-9, "3 requests over the last arrival at 0.04 s x 0.5");
        assertEquals(5 + 3 + 6, p.metrics().outputTokens());
        assertEquals(10 + 20 + 5, p.metrics().inputTokens());
        assertEquals(3, p.requests(), "a trace brings its own requests");
        assertEquals("trace", p.promptLength());
        assertEquals("trace", p.outputLength());
        assertLogCoversEveryRequest(p);
        List<RequestEntry> log = p.requestLog();
        assertEquals(List.of(10, 20, 5), log.stream().map(RequestEntry::prompt).toList());
        assertEquals(List.of(5, 3, 6), log.stream().map(RequestEntry::output).toList());
        assertEquals(List.of(0L, 10_000_000L, 20_000_000L), log.stream().map(RequestEntry::arrivalNs).toList(),
                "the trace's times, halved, on the point's clock");
        assertEquals(2 / 0.02, p.achievedArrivalRate(), 1e-6, "a replayed trace arrives exactly on time");
        // The spec keeps the trace itself, so that the run can be repeated from its result.
        ServingSpec spec = (ServingSpec) r.spec().scenario();
        assertEquals(trace, spec.traceArrivals());
        assertEquals(0.5, spec.traceScale());
    }

    @Test
    void aClosedLoopKeepsItsConcurrencyInFlight() {
        Result r = run(tiny().requests(6).concurrencies(1, 3));
        List<ServingPoint> points = r.points(ServingPoint.class);
        assertEquals(List.of("concurrency 1", "concurrency 3"), points.stream().map(ServingPoint::label).toList());
        for (ServingPoint p : points) {
            assertEquals(ServingMode.CONCURRENCY, p.mode());
            assertTrue(Double.isNaN(p.offeredRate()), "no offered rate: the next request waits for a completion");
            assertEquals(p.concurrency(), p.peakInFlight(), p.label());
            assertEquals(6, p.metrics().completed(), p.label());
            assertLogCoversEveryRequest(p);
        }
        // One at a time: each request is issued when the one before it has its last token.
        List<RequestEntry> serial = points.get(0).requestLog();
        for (int i = 1; i < serial.size(); i++) {
            RequestEntry before = serial.get(i - 1);
            long last = before.firstTokenNs();
            for (long g : before.gapsNs()) {
                last += g;
            }
            assertTrue(serial.get(i).arrivalNs() >= last, "request " + i + " issued before request " + (i - 1)
                    + " completed");
        }
    }

    @Test
    void aSearchMeasuresEachProbeAsAPointAndReportsItsAnswer() {
        List<String> heard = new ArrayList<>();
        // No CPU meets a TTFT of a microsecond: the lowest rate fails, and the search stops there.
        Result r = ScenarioRunner.run(tiny().search(50, 100).slo(SloSet.parse("ttft:p50=0.001ms")).spec(), backend,
                new RunListener() {
                    @Override
                    public void pointStarted(String point, int index, int total) {
                        heard.add(point + " " + index + "/" + total);
                    }
                });
        assertEquals(List.of("search 50.0 0/0"), heard, "a search's number of points is not known ahead");
        assertTrue(r.complete());
        ServingPoint p = r.points(ServingPoint.class).get(0);
        assertEquals(ServingMode.SEARCH, p.mode());
        assertEquals(50, p.offeredRate());
        assertFalse(p.slo().meetsSlo());
        assertFalse(p.passes());
        assertEquals(0, p.slo().goodRequests());
        assertTrue(r.warnings().contains("SLO search: highest rate meeting ttft:p50=0.001ms: none req/s (lowest"
                + " failing: 50.0; stopped: LOWEST_FAILS; no rate met the SLOs, so no bracket: search lower)"),
                r.warnings().toString());
    }

    @Test
    void aSmallKvCachePreemptsAndEveryPreemptionIsInTheLog() {
        // Blocks of 4 positions, 5 of them: one request of the full 8 + 6 positions (4 blocks) and one more block.
        // Two requests are admitted with their 8-token prompts (2 blocks each); the first decode takes the last
        // free block and the second request must give its blocks back: a preemption, whatever the timing.
        Result r = run(tiny().requests(4).promptLengths(LengthDistribution.fixed(8))
                .outputLengths(LengthDistribution.fixed(6)).concurrencies(2).maxSequences(2).kvBlockSize(4)
                .kvBlocks(5));
        ServingPoint p = r.points(ServingPoint.class).get(0);
        assertEquals(5, ((ServingSpec) r.spec().scenario()).kvBlocks());
        assertEquals(4, p.metrics().completed());
        assertTrue(p.preemptions() > 0, "so few blocks must preempt: " + p.steps() + " steps");
        assertEquals(p.preemptions(), p.requestLog().stream().mapToInt(RequestEntry::preemptions).sum(),
                "the point's preemptions are its requests'");
        assertLogCoversEveryRequest(p);
    }

    @Test
    void ratesAreLabelledToThreeSignificantDigits() {
        assertEquals("2.00", ServingRunner.trim(2));
        assertEquals("0.500", ServingRunner.trim(0.5));
        assertEquals("50.0", ServingRunner.trim(50));
        assertEquals("200", ServingRunner.trim(200));
        assertEquals("none", ServingRunner.trim(Double.NaN));
    }
}
