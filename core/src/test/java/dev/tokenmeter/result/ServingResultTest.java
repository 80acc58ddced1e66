package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.report.ConsoleReport;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.serving.RequestEntry;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingRun;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.scenario.serving.ServingSummary;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Serving points in the result model: the factory and JSON (the renderers' tests show them in every report). */
class ServingResultTest {
    private static final double EPS = 1e-9;

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    @Test
    void factoryRecordsTheRunItsMetricsSloLoadAndCost() {
        Result r = TestResults.serving();
        assertEquals("serving", r.scenario());
        assertEquals(ServingScenario.TYPE, r.type());
        assertEquals(3, r.points().size());
        List<ServingPoint> points = r.points(ServingPoint.class);

        ServingPoint steady = points.get(0);
        assertEquals("rate 10.0", steady.label());
        assertEquals(ServingMode.RATE, steady.mode());
        assertEquals(10.0, steady.offeredRate());
        assertEquals(0, steady.concurrency());
        assertEquals(20, steady.requests());
        assertEquals("16", steady.promptLength());
        assertEquals("4", steady.outputLength());
        assertEquals(80, steady.steps());
        ServingSummary m = steady.metrics();
        assertEquals(20, m.completed());
        assertEquals(0, m.incomplete());
        assertEquals(20 * 16, m.inputTokens());
        assertEquals(20 * 4, m.outputTokens());
        assertEquals(1.95, m.durationSeconds(), EPS); // first arrival 0 ms, last token 1950 ms
        assertEquals(20 / 1.95, m.requestsPerSecond(), EPS);
        assertEquals(80 / 1.95, m.outputTokensPerSecond(), EPS);
        assertEquals(20.0, m.ttftMs().p50(), EPS);
        assertEquals(10.0, m.tpotMs().p99(), EPS);
        assertEquals(100.0, m.interactivity().p50(), EPS);
        assertTrue(steady.slo().meetsSlo());
        assertEquals(TestResults.SLO, steady.slo().slo());
        assertEquals(20, steady.slo().goodRequests());
        assertEquals(1.0, steady.slo().goodFraction(), EPS);
        assertEquals(20 / 1.95, steady.slo().goodput(), EPS);
        assertEquals(List.of(new ServingPoint.SloCheckResult("ttft", 99, 100, 20, true),
                new ServingPoint.SloCheckResult("tpot", 99, 12, 10, true)), steady.slo().checks().stream()
                .map(c -> new ServingPoint.SloCheckResult(c.metric(), c.percentile(), c.limitMs(),
                        Math.round(c.measuredMs() * 1e6) / 1e6, c.met())).toList());
        assertEquals(SustainedLoad.Status.STEADY, steady.load().status());
        assertTrue(steady.passes());
        // The cost follows CostMetrics' formulas at the point's achieved rates.
        CostMetrics expected = CostMetrics.of(PricePresets.get("cpu"), m.requestsPerSecond(),
                m.inputTokensPerSecond(), m.outputTokensPerSecond(), 1);
        assertEquals(expected, steady.cost());
        // What the run recorded beside its metrics: the arrivals' own rate, the peak in flight, every request.
        assertEquals(10.0, steady.achievedArrivalRate(), EPS); // 20 arrivals over 1.9 s
        assertEquals(1, steady.peakInFlight());
        assertEquals(20, steady.requestLog().size());
        assertEquals(new RequestEntry(11, 1_100_000_000L, 1_105_000_000L, 16, 4, 0, RequestEntry.Outcome.COMPLETED,
                1_120_000_000L, new long[] {10_000_000L, 10_000_000L, 10_000_000L}), steady.requestLog().get(11));

        ServingPoint overloaded = points.get(1);
        assertEquals(SustainedLoad.Status.OVERLOADED, overloaded.load().status());
        assertTrue(overloaded.load().overloaded());
        assertFalse(overloaded.slo().meetsSlo());
        assertFalse(overloaded.passes());
        assertEquals(3, overloaded.preemptions());
        assertEquals(50.0, overloaded.achievedArrivalRate(), EPS);
        assertEquals(10, overloaded.peakInFlight());

        ServingPoint closed = points.get(2);
        assertEquals(ServingMode.CONCURRENCY, closed.mode());
        assertTrue(Double.isNaN(closed.offeredRate()));
        assertEquals(2, closed.concurrency());
        assertEquals(4, closed.requests());
        assertEquals(3, closed.metrics().completed());
        assertEquals(1, closed.metrics().incomplete());
        assertNull(closed.metrics().tpotMs());
        assertNull(closed.metrics().itlMs());
        assertNull(closed.metrics().interactivity());
        assertEquals(SustainedLoad.Status.NOT_JUDGED, closed.load().status());
        assertTrue(Double.isNaN(closed.slo().checks().get(1).measuredMs()), "TPOT undefined with one token");
        assertTrue(closed.slo().checks().get(1).met(), "an undefined metric counts as met");
        assertEquals(3 / 0.025, closed.achievedArrivalRate(), EPS);
        assertEquals(2, closed.peakInFlight());
        assertEquals(List.of(RequestEntry.Outcome.COMPLETED, RequestEntry.Outcome.COMPLETED,
                RequestEntry.Outcome.COMPLETED, RequestEntry.Outcome.UNFINISHED),
                closed.requestLog().stream().map(RequestEntry::outcome).toList(), "in the order of their ids");
    }

    @Test
    void withoutSloOrPriceThoseAreNull() {
        ServingPoint p = TestResults.serving().points(ServingPoint.class).get(0);
        ServingPoint bare = new ServingPoint(p.label(), p.mode(), p.offeredRate(), p.concurrency(), p.requests(),
                p.promptLength(), p.outputLength(), p.steps(), p.preemptions(), p.metrics(), null, p.load(), null,
                p.achievedArrivalRate(), p.peakInFlight(), p.requestLog(), null, null);
        Result r = TestResults.withPoints(TestResults.serving(), List.of(bare));
        Result back = ResultJson.parse(ResultJson.toJson(r), "test");
        assertEquals(r, back);
        assertNull(back.points(ServingPoint.class).get(0).slo());
        assertNull(back.points(ServingPoint.class).get(0).cost());
        String slo = ServingScenario.TYPE.tables().table().stream().filter(c -> c.header().equals("SLO")).findFirst()
                .orElseThrow().cell().apply(bare);
        assertEquals("-", slo);
        assertFalse(bare.passes());
    }

    @Test
    void jsonRoundTripKeepsEveryServingFigureNaNIncluded() {
        Result r = TestResults.serving();
        String json = ResultJson.toJson(r);
        assertContains(json, "\"kind\" : \"serving\"");
        assertContains(json, "\"offeredRate\" : \"NaN\"");
        assertContains(json, "\"measuredMs\" : \"NaN\"");
        assertFalse(json.contains("perRequest"), "the per-request latencies are not kept, only the request log");
        Result back = ResultJson.parse(json, "test");
        assertEquals(r, back);
        assertTrue(Double.isNaN(back.points(ServingPoint.class).get(2).offeredRate()));
    }

    @Test
    void aRepeatedPointShowsTheMediansOfItsRunsAndTheVerdictsOfMost() {
        // The steady point's run, then twice the overloaded point's: the medians are the overloaded one's.
        List<ServingPoint> points = TestResults.serving().points(ServingPoint.class);
        ServingPoint steady = points.get(0);
        ServingRun queued = points.get(1).runs().get(0);
        ServingPoint p = new ServingPoint(steady.label(), steady.mode(), steady.offeredRate(), steady.concurrency(),
                steady.requests(), steady.promptLength(), steady.outputLength(), steady.steps(),
                steady.preemptions(), steady.metrics(), steady.slo(), steady.load(), steady.cost(),
                steady.achievedArrivalRate(), steady.peakInFlight(), steady.requestLog(), List.of(queued, queued),
                null);
        assertEquals(3, p.runs().size());
        assertEquals(queued.metrics().requestsPerSecond(), p.median(r -> r.metrics().requestsPerSecond()));
        assertTrue(p.overloaded());
        assertFalse(p.meetsSlo());
        assertFalse(p.passes());
        String report = ConsoleReport.render(TestResults.withPoints(TestResults.serving(), List.of(p)));
        String row = report.lines().filter(l -> l.startsWith("rate 10.0")).findFirst().orElseThrow();
        assertContains(row, " " + TextTable.significant(queued.metrics().requestsPerSecond(), 4) + " ");
        assertContains(row, "missed 2/3");
        assertTrue(row.endsWith("OVERLOADED 2/3"), row);
        assertContains(report, "Each point was measured 3 times (--repeat): its figures are medians over its runs");
        assertContains(report, "rate 10.0: OVERLOADED (in 2 of 3 runs; the first: offered 50.0 req/s");
        // Measured once, no such footnote.
        assertFalse(ConsoleReport.render(TestResults.serving()).contains("(--repeat)"));
    }

    @Test
    void aVersion2FileWrittenBeforeRepeatsAndTheSteadyWarmUpReadsAsItMeant() throws Exception {
        // The fields added since: the spec's repeat and warmupMaxSeconds, a point's repeats and warmup.
        ObjectNode tree = (ObjectNode) ResultJson.mapper().readTree(ResultJson.toJson(TestResults.serving()));
        ObjectNode scenario = (ObjectNode) tree.get("spec").get("scenario");
        assertTrue(scenario.has("repeat") && scenario.has("warmupMaxSeconds"));
        scenario.remove(List.of("repeat", "warmupMaxSeconds"));
        for (JsonNode p : tree.get("points")) {
            assertTrue(p.has("repeats") && p.has("warmup"));
            ((ObjectNode) p).remove(List.of("repeats", "warmup"));
        }
        Result old = ResultJson.parse(ResultJson.mapper().writeValueAsString(tree), "old.json");
        ServingSpec spec = (ServingSpec) old.spec().scenario();
        assertEquals(1, spec.repeat(), "each point measured once");
        assertEquals(0, spec.warmupMaxSeconds(), "the fixed warm-up of the time");
        for (ServingPoint p : old.points(ServingPoint.class)) {
            assertEquals(List.of(), p.repeats());
            assertEquals(1, p.runs().size());
            assertNull(p.warmup());
        }
        assertEquals(TestResults.serving().points(), old.points());
    }

    @Test
    void anOfflineResultHoldsNoServingPoints() throws Exception {
        Result r = TestResults.twoPoints();
        assertEquals("offline", r.scenario());
        assertThrows(IllegalArgumentException.class, () -> r.points(ServingPoint.class));
        JsonNode tree = ResultJson.mapper().readTree(ResultJson.toJson(r));
        assertFalse(tree.has("servingPoints"), "one list of points for every scenario");
        for (JsonNode p : tree.get("points")) {
            assertEquals("offline", p.get("kind").asText());
        }
        // A result holds its own scenario's points only. (Result refuses the others with a NullPointerException
        // today, not the IllegalArgumentException its constructor means to throw: its check reads the spec before
        // the compact constructor has assigned it. Reported; RuntimeException covers both until then.)
        ServingPoint serving = TestResults.serving().points(ServingPoint.class).get(0);
        assertThrows(RuntimeException.class, () -> TestResults.withPoints(r, List.of(serving)));
        OfflinePoint offline = r.points(OfflinePoint.class).get(0);
        assertThrows(RuntimeException.class, () -> TestResults.withPoints(TestResults.serving(), List.of(offline)));
    }
}
