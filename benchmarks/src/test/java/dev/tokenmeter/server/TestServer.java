package dev.tokenmeter.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.serving.ContinuousBatcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A tokenmeter server on the tiny model and the CPU engine, with the greedy reference and an HTTP client. */
final class TestServer implements AutoCloseable {
    static final ModelConfig TINY = ModelPresets.get("tiny");
    static final long SEED = 42;
    static final ObjectMapper JSON = new ObjectMapper();

    final CpuBackend backend = new CpuBackend(1);
    final Engine engine;
    final TokenmeterServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** {@code sequences} slots, a context of {@code context}, blocks of 16 holding every slot at full length. */
    TestServer(int sequences, int context, Duration grace) throws Exception {
        this(sequences, context, grace, 0);
    }

    /**
     * As above, each engine step taking {@code stepMillis} more: the tiny model is so fast that a long stream
     * would be over before a test could act in the middle of it.
     */
    TestServer(int sequences, int context, Duration grace, long stepMillis) throws Exception {
        EngineOptions o = EngineOptions.paged(SEED, sequences, context, 16, sequences * ((context + 15) / 16));
        Engine loaded = backend.load(TINY, o);
        engine = stepMillis == 0 ? loaded : new Slow(loaded, stepMillis);
        server = TokenmeterServer.start(engine, new ContinuousBatcher.Config(64, o),
                new TokenmeterServer.Options("127.0.0.1", 0, "tiny", grace));
    }

    URI uri(String path) {
        return URI.create(server.uri() + path);
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The data of a server-sent event stream: each event's JSON, and "[DONE]" as a text node. */
    static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            if (event.isBlank()) {
                continue;
            }
            assertTrue(event.startsWith("data: "), "not an SSE data line: " + event);
            String data = event.substring(6);
            out.add(data.equals("[DONE]") ? JSON.getNodeFactory().textNode("[DONE]") : JSON.readTree(data));
        }
        return out;
    }

    /** The engine's greedy tokens for {@code prompt}, decoded alone on an engine of its own. */
    int[] greedy(int[] prompt, int n) {
        try (Engine e = backend.load(TINY, EngineOptions.of(SEED, 1, prompt.length + n))) {
            int[] out = new int[n];
            int next = e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, prompt)))).nextTokens()[0];
            for (int i = 0; i < n; i++) {
                out[i] = next;
                if (i + 1 < n) {
                    next = e.step(StepBatch.of(List.of(new SequenceChunk(0, prompt.length + i, new int[] {next}))))
                            .nextTokens()[0];
                }
            }
            return out;
        }
    }

    /** An engine whose steps take longer. */
    private record Slow(Engine engine, long stepMillis) implements Engine {
        @Override
        public ModelConfig model() {
            return engine.model();
        }

        @Override
        public EngineOptions options() {
            return engine.options();
        }

        @Override
        public int kvBytesPerElement() {
            return engine.kvBytesPerElement();
        }

        @Override
        public StepResult step(StepBatch batch) {
            try {
                Thread.sleep(stepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return engine.step(batch);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never: " + what);
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        server.stop(Duration.ofSeconds(5));
        engine.close();
        backend.close();
    }
}
