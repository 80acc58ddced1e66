package dev.tokenmeter.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.scenario.ScenarioRunner;
import dev.tokenmeter.scenario.serving.RequestEntry;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The serving scenario through an endpoint, end to end through the library's one runner: no engine is loaded here,
 * every load runs against the server, its records and figures follow, failures and the server's own facts are
 * kept, and side by side the same workload runs on the engine in this process too.
 */
@Timeout(120)
class EndpointScenarioTest {
    private static ServingSpec.Builder tiny(Endpoint e) {
        return Benchmark.serving().model("tiny").backend("cpu").threads(1).endpoint(e).requests(12)
                .promptLengths(LengthDistribution.uniform(4, 12)).outputLengths(LengthDistribution.fixed(3))
                .warmupRequests(2);
    }

    private static Endpoint endpoint(ScriptedServer server) {
        return new Endpoint(server.url(), null, Endpoint.Api.COMPLETIONS, null, Map.of(), 10, 2, true);
    }

    @Test
    void aRateSweepAndAClosedLoopRunAgainstTheEndpointWithExactLengths() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out,
                req.get("max_tokens").asInt()))) {
            server.metricsStatus = 200;
            server.metricsBody = () -> "# TYPE tokenmeter_request_queue_time_seconds histogram\n"
                    + "tokenmeter_request_queue_time_seconds_sum " + 0.002 * server.requests.get() + "\n"
                    + "tokenmeter_request_queue_time_seconds_count " + server.requests.get() + "\n"
                    + "tokenmeter_kv_cache_usage_ratio 0.25\n";
            Result r = ScenarioRunner.run(tiny(endpoint(server)).rates(40, 80).spec(), RunListener.NONE);
            assertEquals(EndpointBackend.NAME, r.environment().device().backend(), "no engine loaded here");
            assertTrue(r.warnings().contains("an endpoint has no price preset: cost figures left out (--price gives"
                    + " the price per device-hour of the devices behind it, --devices their number)"), r.warnings()
                    .toString());
            assertNull(r.environment().device().measured());
            List<ServingPoint> points = r.points(ServingPoint.class);
            assertEquals(List.of("rate 40.0", "rate 80.0"), points.stream().map(ServingPoint::label).toList());
            for (ServingPoint p : points) {
                assertEquals("endpoint", p.target());
                assertEquals(12, p.metrics().completed(), () -> p.label() + ": " + p.requestLog().stream()
                        .filter(x -> x.failure() != null).map(x -> x.failure().toString()).toList());
                assertEquals(0, p.metrics().failed());
                assertEquals(36, p.metrics().outputTokens(), "3 tokens each, counted from the server's usage");
                long prompts = p.requestLog().stream().mapToLong(RequestEntry::prompt).sum();
                assertEquals(p.metrics().inputTokens(), prompts);
                assertTrue(p.requestLog().stream().allMatch(e -> e.sentNs() != null && e.sentNs() >= e.arrivalNs()));
                assertNotNull(p.metrics().sendLagMs());
                assertNotNull(p.server(), "the server's facts");
                assertEquals("m", p.server().model(), "the model /v1/models lists, taken where none was named");
                assertEquals(2.0, p.server().meanQueueSeconds() * 1e3, 1e-9);
                assertTrue(ServingScenario.TYPE.notices(p).stream().noneMatch(n -> n.level() == Notice.Level.ERROR),
                        p.label());
            }
            // The probe's one-token request, 2 warm-up requests and 12 per point: nothing retried.
            assertEquals(27, server.requests.get());
            Result closed = ScenarioRunner.run(tiny(endpoint(server)).concurrencies(3).spec(), RunListener.NONE);
            assertEquals(12, closed.points(ServingPoint.class).get(0).metrics().completed());
        }
    }

    @Test
    void failuresAreRecordedNotRetriedAndSaidInTheReport() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            if (ScriptedServer.promptLength(req) % 3 == 0) {
                out.status(503, "{\"error\":{\"message\":\"overloaded\"}}");
            } else {
                ScriptedServer.oneByOne(req, out, req.get("max_tokens").asInt());
            }
        })) {
            Result r = ScenarioRunner.run(tiny(endpoint(server)).rates(40).warmupRequests(0).spec(),
                    RunListener.NONE);
            ServingPoint p = r.points(ServingPoint.class).get(0);
            long failed = p.requestLog().stream().filter(e -> e.outcome() == RequestEntry.Outcome.FAILED).count();
            assertTrue(failed > 0 && failed < 12, "some prompts are a multiple of 3 long: " + failed);
            assertEquals(failed, p.metrics().failed());
            assertEquals(12, server.requests.get() - 1, "each request sent once (the probe's besides)");
            Notice n = ServingScenario.TYPE.notices(p).stream().filter(x -> x.text().contains("FAILED")).findFirst()
                    .orElseThrow();
            assertTrue(n.text().contains("http-status (first: HTTP 503"), n.text());
        }
    }

    @Test
    void aLoadTheServerRefusesAltogetherIsAPointOfFailuresAndTheSearchGoesOn() throws Exception {
        // Every request but the probe's one-token prompt is refused with 429, as a rate-limited server would.
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            if (ScriptedServer.promptLength(req) > 1) {
                out.status(429, "{\"error\":{\"message\":\"rate limited\"}}");
            } else {
                ScriptedServer.oneByOne(req, out, req.get("max_tokens").asInt());
            }
        })) {
            Result r = ScenarioRunner.run(tiny(endpoint(server)).rates(20, 40).slo(SloSet.parse("e2e=10s"))
                    .warmupRequests(0).spec(), RunListener.NONE);
            List<ServingPoint> probes = r.points(ServingPoint.class);
            assertEquals(2, probes.size(), "the sweep went on");
            for (ServingPoint p : probes) {
                assertEquals(0, p.metrics().completed());
                assertEquals(12, p.metrics().failed());
                assertEquals(1.0, p.metrics().errorRate());
                assertFalse(p.passes());
                assertNull(p.metrics().ttftMs());
            }
            for (OutputFormat f : OutputFormat.values()) {
                assertTrue(f.render(r).contains(f == OutputFormat.JSON ? "\"failed\" : 12" : "12 of 12 requests"
                        + " FAILED"), f.name());
            }
            // A search whose lowest rate fails so has its answer: none of its range meets the SLOs.
            Result search = ScenarioRunner.run(tiny(endpoint(server)).search(20, 40).slo(SloSet.parse("e2e=10s"))
                    .warmupRequests(0).spec(), RunListener.NONE);
            assertTrue(search.complete());
            assertTrue(search.warnings().stream().anyMatch(w -> w.startsWith("SLO search:")),
                    search.warnings().toString());
        }
    }

    @Test
    void sideBySideMeasuresEachLoadInProcessThenThroughTheEndpoint() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out,
                req.get("max_tokens").asInt()))) {
            Result r = ScenarioRunner.run(tiny(endpoint(server)).alsoInProcess().rates(40).warmupMaxSeconds(0)
                    .spec(), RunListener.NONE);
            assertEquals("cpu", r.environment().device().backend(), "the engine in this process ran");
            List<ServingPoint> points = r.points(ServingPoint.class);
            assertEquals(List.of("rate 40.0 in-process", "rate 40.0 endpoint"), points.stream()
                    .map(ServingPoint::label).toList());
            assertEquals(List.of("in-process", "endpoint"), points.stream().map(ServingPoint::target).toList());
            assertEquals(points.get(0).requestLog().stream().map(RequestEntry::arrivalNs).toList(),
                    points.get(1).requestLog().stream().map(RequestEntry::arrivalNs).toList(), "one workload");
            assertEquals(points.get(0).metrics().inputTokens(), points.get(1).metrics().inputTokens());
            assertTrue(ServingScenario.TYPE.notices(points).stream().anyMatch(n -> "rate 40.0".equals(n.point())
                    && n.text().startsWith("the HTTP layer (endpoint against in-process): TTFT p50")), "the cost");
        }
    }

    @Test
    void aModelTheServerDoesNotServeIsAUsageErrorBeforeAnyLoad() throws Exception {
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out, 1))) {
            Endpoint e = new Endpoint(server.url(), "other", Endpoint.Api.COMPLETIONS, null, Map.of(), 10, 1, true);
            EndpointException ex = assertThrows(EndpointException.class, () -> ScenarioRunner.run(
                    tiny(e).rates(40).spec(), RunListener.NONE));
            assertTrue(ex.usage(), ex.getMessage());
            assertTrue(ex.getMessage().contains("other"), ex.getMessage());
            assertEquals(0, server.requests.get(), "nothing sent to the completions API");
        }
    }
}
