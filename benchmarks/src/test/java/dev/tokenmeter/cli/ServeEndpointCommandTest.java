package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.serving.RequestEntry;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.server.TokenmeterServer;
import dev.tokenmeter.serving.ContinuousBatcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenmeter's client against tokenmeter's server, end to end through the command line on the CPU: exact input and
 * output lengths, every figure recomputed from the request records, the server's own facts, the same workload
 * side by side in process, a comparison across targets, a plan from an endpoint; and bad endpoints refused in one
 * line before any load, with the right exit code.
 */
@Timeout(300)
class ServeEndpointCommandTest {
    private static CpuBackend backend;
    private static Engine engine;
    private static TokenmeterServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        backend = new CpuBackend(1);
        EngineOptions o = EngineOptions.paged(42, 16, 64, 16, 16 * 4);
        engine = backend.load(ModelPresets.get("tiny"), o);
        server = TokenmeterServer.start(engine, new ContinuousBatcher.Config(64, o),
                new TokenmeterServer.Options("127.0.0.1", 0, "tiny", Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stopServer() {
        server.close();
        engine.close();
        backend.close();
    }

    private String[] serve(String... extra) {
        List<String> args = new ArrayList<>(List.of("serve", "--model", "tiny", "--backend", "cpu",
                "--threads", "1", "--endpoint", server.uri().toString(), "--requests", "24", "--prompt-len", "8:32",
                "--gen", "8", "--warmup-requests", "2", "--warmup-max-duration", "0", "--price", "2", "--quiet"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** The type-7 percentile of {@code v} (sorted here), as every Summary takes it, written again. */
    private static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        double h = (s.length - 1) * p;
        int lo = (int) Math.floor(h);
        return lo + 1 >= s.length ? s[lo] : s[lo] + (h - lo) * (s[lo + 1] - s[lo]);
    }

    @Test
    void sideBySideThroughTheServerGivesExactLengthsAndFiguresThatFollowFromTheRecords() {
        Path json = dir.resolve("both.json");
        expect(0, serve("--rate", "30", "--side-by-side", "--json", json.toString()));
        Result r = ResultJson.read(json);
        List<ServingPoint> points = r.points(ServingPoint.class);
        assertEquals(List.of("rate 30.0 in-process", "rate 30.0 endpoint"), points.stream().map(ServingPoint::label)
                .toList());
        ServingPoint local = points.get(0);
        ServingPoint http = points.get(1);
        assertEquals(24, http.metrics().completed(), () -> http.requestLog().toString());
        assertEquals(0, http.metrics().failed());
        Map<Integer, Integer> asked = local.requestLog().stream()
                .collect(Collectors.toMap(RequestEntry::id, RequestEntry::prompt));
        for (RequestEntry e : http.requestLog()) {
            assertEquals(asked.get(e.id()), e.prompt(), "request " + e.id() + ": the prompt's exact length");
            assertEquals(8, e.gapsNs().length + 1, "8 output tokens, from the server's usage");
            assertNotNull(e.sentNs());
        }
        // Every figure again from the records alone.
        double[] ttft = http.requestLog().stream().mapToDouble(e -> (e.firstTokenNs() - e.arrivalNs()) / 1e6)
                .toArray();
        Summary m = http.metrics().ttftMs();
        assertEquals(percentile(ttft, 0.5), m.p50(), 1e-9);
        assertEquals(percentile(ttft, 0.99), m.p99(), 1e-9);
        Function<RequestEntry, Long> last = e -> e.firstTokenNs() + Arrays.stream(e.gapsNs()).sum();
        long first = http.requestLog().stream().mapToLong(RequestEntry::arrivalNs).min().orElseThrow();
        long end = http.requestLog().stream().mapToLong(last::apply).max().orElseThrow();
        assertEquals(24 * 8 / ((end - first) / 1e9), http.metrics().outputTokensPerSecond(), 1e-6);
        double[] lag = http.requestLog().stream().mapToDouble(e -> (e.sentNs() - e.arrivalNs()) / 1e6).toArray();
        assertEquals(percentile(lag, 0.99), http.metrics().sendLagMs().p99(), 1e-9);
        // What the server said about the point: its model, its own queue time and KV-cache usage.
        assertNotNull(http.server());
        assertEquals("tiny", http.server().model());
        assertNotNull(http.server().meanQueueSeconds(), "tokenmeter server's queue-time histogram");
        assertNotNull(http.server().kvCacheUsagePeak(), "tokenmeter server's KV-cache gauge");
    }

    @Test
    void chatPromptsAreCountedByTheServerAndAnEndpointResultComparesAndPlans() {
        Path http = dir.resolve("chat.json");
        expect(0, serve("--rate", "30", "--api", "chat", "--json", http.toString()));
        ServingPoint p = ResultJson.read(http).points(ServingPoint.class).get(0);
        assertEquals(24, p.metrics().completed());
        assertTrue(p.requestLog().stream().allMatch(e -> e.prompt() >= 8 && e.prompt() <= 32),
                "the text prompt's words, as the server's usage counted them");
        Path local = dir.resolve("local.json");
        expect(0, "serve", "--model", "tiny", "--backend", "cpu", "--threads", "1", "--requests", "24",
                "--prompt-len", "8:32", "--gen", "8", "--warmup-requests", "2", "--rate", "30", "--quiet", "--json",
                local.toString());
        CliRun c = CliRun.cli("compare", local.toString(), http.toString());
        assertContains(c.out() + c.err(), "compared across targets");
        CliRun plan = CliRun.cli("plan", "--result", http.toString(), "--rate", "10", "--slo", "ttft=10s,tpot=1s",
                "--price", "2");
        assertTrue(plan.exitCode() == 0 || plan.exitCode() == 1, plan.err());
        assertContains(plan.out(), "endpoint");
    }

    @Test
    void badEndpointsAreRefusedInOneLineBeforeAnyLoad() throws Exception {
        CliRun unreachable = expect(1, "serve", "--model", "tiny", "--endpoint", "http://127.0.0.1:1", "--rate", "1",
                "--quiet");
        assertEquals(1, unreachable.err().strip().lines().count(), unreachable.err());
        assertContains(unreachable.err(), "127.0.0.1:1");
        CliRun model = expect(2, serve("--rate", "1", "--endpoint-model", "nope"));
        assertContains(model.err(), "nope");
        CliRun key = expect(2, serve("--rate", "1", "--api-key-env", "TOKENMETER_TEST_UNSET_KEY"));
        assertContains(key.err(), "TOKENMETER_TEST_UNSET_KEY");
        expect(2, "serve", "--model", "tiny", "--rate", "1", "--endpoint-model", "m");
        // A web server that is not an OpenAI-compatible API: every request gets a 404 page.
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!other.isClosed()) {
                    try (Socket s = other.accept()) {
                        s.setSoTimeout(2000);
                        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.US_ASCII));
                        String line;
                        while ((line = in.readLine()) != null && !line.isEmpty()) {
                            // the request's headers, read and dropped
                        }
                        byte[] body = "<html>not here</html>".getBytes(StandardCharsets.US_ASCII);
                        OutputStream out = s.getOutputStream();
                        out.write(("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: "
                                + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                    } catch (IOException e) {
                        // closed: the test is over
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            // The user's address is wrong: a usage error, as the probe judges it.
            CliRun notApi = expect(2, "serve", "--model", "tiny", "--endpoint", "http://127.0.0.1:"
                    + other.getLocalPort(), "--rate", "1", "--quiet");
            assertContains(notApi.err(), "OpenAI");
            assertEquals(1, notApi.err().strip().lines().count(), notApi.err());
        }
    }
}
