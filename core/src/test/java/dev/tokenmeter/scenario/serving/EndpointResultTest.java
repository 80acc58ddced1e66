package dev.tokenmeter.scenario.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.compare.Comparer;
import dev.tokenmeter.compare.Comparison;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.endpoint.Endpoint;
import dev.tokenmeter.endpoint.EndpointBackend;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestFailure;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A serving result measured through an endpoint: its target, failures, chunks and send lag survive the file, say
 * themselves in every renderer, cost per device of the deployment, and compare with an in-process result of the
 * same workload, naming the difference in target rather than refusing it.
 */
public class EndpointResultTest {
    static final Endpoint ENDPOINT = new Endpoint(URI.create("http://127.0.0.1:8000/v1/"), "tiny",
            Endpoint.Api.COMPLETIONS, "TM_KEY", Map.of("Authorization", "Bearer s3cret", "X-Team", "perf"), 30, 4,
            true);

    private static final long MS = 1_000_000L;

    /**
     * 10 requests at 100 ms apart, 16 prompt and 4 output tokens: 8 complete (tokens in 2 chunks of 2, at 50 and
     * 70 ms after arrival), one fails with HTTP 503 (no tokens), one times out after one chunk; each sent 2 ms late,
     * the last one 30 ms late.
     */
    static ServingLoop.Outcome outcome() {
        List<RequestRecord> done = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long at = 100 * MS * i;
            Arrival a = new Arrival(i, at / 1e9, 16, 4);
            long sent = at + (i == 9 ? 30 : 2) * MS;
            if (i == 3) {
                done.add(RequestRecord.client(a, at, sent, new long[0], new int[0], -1,
                        new RequestFailure(RequestFailure.Kind.HTTP_STATUS, "HTTP 503: overloaded")));
            } else if (i == 5) {
                done.add(RequestRecord.client(a, at, sent, new long[] {at + 50 * MS, at + 50 * MS}, new int[] {2},
                        -1, new RequestFailure(RequestFailure.Kind.TIMEOUT, "no data for 30 s after 2 tokens")));
            } else {
                long c1 = at + 50 * MS;
                long c2 = at + 70 * MS;
                done.add(RequestRecord.client(a, at, sent, new long[] {c1, c1, c2, c2}, new int[] {2, 2}, -1, null));
            }
        }
        return new ServingLoop.Outcome(done, List.of(), 0, 0, 1_000 * MS, 2);
    }

    /** The result of one rate through an endpoint of four devices: {@link #outcome()}'s records. */
    public static Result endpointResult() {
        ServingSpec serving = (ServingSpec) new ServingSpec.Builder().model("tiny").rates(10).requests(10)
                .promptLengths(LengthDistribution.fixed(16)).outputLengths(LengthDistribution.fixed(4))
                .endpoint(ENDPOINT).spec().scenario();
        Price price = Price.user(2.0);
        RunSpec spec = new RunSpec(ModelPresets.get("tiny"), "auto", 42, 0, price, serving);
        ServingPoint p = ServingPoint.of("rate 10.0", ServingMode.RATE, 10, 0, "16", "4", List.of(outcome()),
                SloSet.parse(TestResults.SLO), price, serving.targets().get(0));
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM 17", "Test OS 1.0 amd64",
                "Test CPU 9000", 2, 4L << 30, new EndpointBackend(ENDPOINT).device());
        return new Result(Result.SCHEMA_VERSION, Result.TOOL, "2025-01-01T00:00:00Z", "2025-01-01T00:00:30Z", true,
                spec, env, List.of(p), List.of());
    }

    @Test
    void failuresChunksAndSendLagAreCountedFromTheRecords() {
        ServingPoint p = endpointResult().points(ServingPoint.class).get(0);
        ServingSummary m = p.metrics();
        assertEquals(8, m.completed());
        assertEquals(2, m.failed());
        assertEquals(0, m.incomplete());
        assertEquals(0.2, m.errorRate(), 1e-12);
        assertEquals(32, m.outputTokens(), "completed requests' tokens only");
        // Per token: within a chunk 0 ms, between chunks 20 ms; per chunk: 20 ms each.
        assertEquals(0, m.itlMs().p50(), 1e-9);
        assertEquals(20, m.itlChunkMs().p50(), 1e-9);
        assertEquals(20, m.itlChunkMs().max(), 1e-9);
        assertEquals(2, m.sendLagMs().p50(), 1e-9);
        assertEquals(30, m.sendLagMs().max(), 1e-9);
        assertEquals(50, m.ttftMs().p50(), 1e-9, "from the scheduled arrival, the client's lag included");
        assertEquals("endpoint", p.target());
        // Cost per device-hour of the four devices behind the endpoint: $8/h over the completed requests' rate.
        assertEquals(8.0 / 3600 / m.requestsPerSecond(), p.cost().usdPerQuery(), 1e-12);
    }

    @Test
    void aPointWithFailuresSaysSoInEveryRenderer() {
        Result r = endpointResult();
        List<Notice> notices = ServingScenario.TYPE.notices(r.points(ServingPoint.class).get(0));
        Notice failed = notices.stream().filter(n -> n.text().contains("FAILED")).findFirst().orElseThrow();
        assertEquals(Notice.Level.ERROR, failed.level());
        assertTrue(failed.text().contains("2 of 10 requests FAILED"), failed.text());
        assertTrue(failed.text().contains("1 http-status (first: HTTP 503: overloaded)"), failed.text());
        assertTrue(failed.text().contains("1 timeout"), failed.text());
        Notice lag = notices.stream().filter(n -> n.text().contains("sent requests late")).findFirst().orElseThrow();
        assertEquals(Notice.Level.WARNING, lag.level());
        for (OutputFormat f : OutputFormat.values()) {
            String text = f.render(r);
            // The JSON file holds the figures and records, the other renderers the notice too.
            String says = f == OutputFormat.JSON ? "\"failed\" : 2" : "FAILED";
            assertTrue(text.contains(says), f + " says the failures:\n" + text);
        }
    }

    @Test
    void theFileKeepsTargetFailuresChunksAndSendTimesButNoSecret() {
        Result r = endpointResult();
        String json = ResultJson.toJson(r);
        assertFalse(json.contains("s3cret"), "the authorization header's value is not recorded");
        assertTrue(json.contains("(redacted)"));
        assertTrue(json.contains("\"perf\""), "other headers are");
        Result back = ResultJson.parse(json, "endpoint.json");
        assertEquals(r.points(), back.points());
        ServingSpec spec = (ServingSpec) back.spec().scenario();
        assertEquals("endpoint", spec.targets().get(0).label());
        assertEquals(4, spec.targets().get(0).devices());
        assertEquals(URI.create("http://127.0.0.1:8000"), spec.endpoint().endpoint().url(), "the /v1 dropped");
        RequestEntry failed = back.points(ServingPoint.class).get(0).requestLog().get(3);
        assertEquals(RequestEntry.Outcome.FAILED, failed.outcome());
        assertEquals(RequestFailure.Kind.HTTP_STATUS, failed.failure().kind());
        RequestEntry ok = back.points(ServingPoint.class).get(0).requestLog().get(0);
        assertEquals(2 * MS, ok.sentNs() - ok.arrivalNs());
        assertEquals(List.of(2, 2), Arrays.stream(ok.chunks()).boxed().toList());
        assertNull(TestResults.serving().points(ServingPoint.class).get(0).requestLog().get(0).sentNs(),
                "the engine in this process records no send time");
    }

    @Test
    void anInProcessAndAnEndpointResultOfOneWorkloadCompareNamingTheTargets() {
        Result endpoint = endpointResult();
        ServingPoint p = endpoint.points(ServingPoint.class).get(0);
        RunSpec inProcessSpec = endpoint.spec().withScenario(new ServingSpec.Builder().model("tiny").rates(10).requests(10)
                .promptLengths(LengthDistribution.fixed(16)).outputLengths(LengthDistribution.fixed(4)).spec()
                .scenario());
        Result inProcess = new Result(Result.SCHEMA_VERSION, Result.TOOL, "2025-01-01T00:00:00Z",
                "2025-01-01T00:00:30Z", true, inProcessSpec, TestResults.serving().environment(), List.of(p),
                List.of());
        Comparison c = Comparer.defaults().compare("local.json", inProcess, "http.json", endpoint);
        String note = c.warnings().stream().filter(w -> w.startsWith("compared across targets")).findFirst()
                .orElseThrow(() -> new AssertionError(c.warnings().toString()));
        assertTrue(note.contains("in-process cpu") && note.contains("endpoint http://127.0.0.1:8000"), note);
        assertTrue(c.warnings().stream().noneMatch(w -> w.contains("runs differ")), c.warnings().toString());
        assertTrue(c.changes().stream().anyMatch(ch -> ch.metric().label().equals("error rate")),
                "the error rate is compared where a side had failures");
    }

    @Test
    void sideBySideTheHttpLayersCostIsSaidPerLoad() {
        // In process: the same 10 requests, all completed, tokens 40, 40, 60 and 60 ms after arrival (the engine
        // gives one token at a time; two per step here for a like shape): TTFT 40 ms against the endpoint's 50.
        List<RequestRecord> local = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long at = 100 * MS * i;
            local.add(new RequestRecord(new Arrival(i, at / 1e9, 16, 4), at, new long[] {at + 40 * MS, at + 40 * MS,
                    at + 60 * MS, at + 60 * MS}, 0));
        }
        ServingPoint inProcess = ServingPoint.of("rate 10.0 in-process", ServingMode.RATE, 10, 0, "16", "4",
                List.of(new ServingLoop.Outcome(local, List.of(), 10, 0, 1_000 * MS, 1)), null, null,
                new TargetSpec.InProcess());
        ServingPoint http = ServingPoint.of("rate 10.0 endpoint", ServingMode.RATE, 10, 0, "16", "4",
                List.of(outcome()), null, null, new TargetSpec.OfEndpoint(ENDPOINT));
        List<Notice> notes = ServingScenario.TYPE.notices(List.of(inProcess, http));
        Notice cost = notes.stream().filter(n -> n.text().startsWith("the HTTP layer")).findFirst().orElseThrow();
        assertEquals(Notice.Level.NOTE, cost.level());
        assertEquals("rate 10.0", cost.point());
        assertTrue(cost.text().contains("TTFT p50 +10.00 ms (+25.0%, 50.00 against 40.00 ms)"), cost.text());
        assertTrue(cost.text().contains("ITL p99 +0.000 ms (+0.0%, 20.00 against 20.00 ms)"), cost.text());
        // 8 of the endpoint's 10 completed (2 failed): its output rate is the lower.
        assertTrue(cost.text().contains("output tok/s -20.8% (32.99 against 41.67)"), cost.text());
        assertTrue(ServingScenario.TYPE.notices(List.of(http)).stream()
                .noneMatch(n -> n.text().startsWith("the HTTP layer")), "one target: nothing to set against");
    }

    @Test
    void targetsAreEachNamedOnceAndEndpointsAreChecked() {
        InvalidFieldException twice = assertThrows(InvalidFieldException.class, () -> new ServingSpec(
                ServingMode.RATE, List.of(1.0), 1, List.of(), null, null, 1, 0, 0, 0, 0, 1,
                LengthDistribution.fixed(4), LengthDistribution.fixed(4), null, 1, 0, 16, 0, 0, 0, 1, 1,
                List.of(new TargetSpec.InProcess(), new TargetSpec.InProcess())));
        assertEquals("targets", twice.field());
        InvalidFieldException url = assertThrows(InvalidFieldException.class, () -> new Endpoint(
                URI.create("ftp://host"), null, Endpoint.Api.CHAT, null, Map.of(), 1, 1, true));
        assertEquals("url", url.field());
        assertEquals("devices", assertThrows(InvalidFieldException.class, () -> new Endpoint(
                URI.create("http://host"), null, Endpoint.Api.CHAT, null, Map.of(), 1, 0, true)).field());
        assertEquals("apiKeyEnv", assertThrows(InvalidFieldException.class, () -> new Endpoint(
                URI.create("http://host"), null, Endpoint.Api.CHAT, "not a name", Map.of(), 1, 1, true)).field());
        assertEquals("headers", assertThrows(InvalidFieldException.class, () -> new Endpoint(
                URI.create("http://host"), null, Endpoint.Api.CHAT, null, Map.of("X", "a\nb"), 1, 1, true)).field());
        ServingSpec both = (ServingSpec) new ServingSpec.Builder().model("tiny").rates(1).endpoint(ENDPOINT).alsoInProcess().spec()
                .scenario();
        assertEquals(List.of("in-process", "endpoint"), both.targets().stream().map(TargetSpec::label).toList());
        assertTrue(both.inProcess());
        assertNull(ServingScenario.TYPE.ownBackend(both), "side by side loads the engine here");
        ServingSpec remote = (ServingSpec) new ServingSpec.Builder().model("tiny").rates(1).endpoint(ENDPOINT).spec().scenario();
        assertEquals(EndpointBackend.NAME, ServingScenario.TYPE.ownBackend(remote).name());
    }
}
