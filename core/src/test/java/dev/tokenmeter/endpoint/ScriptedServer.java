package dev.tokenmeter.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible server for tests, on 127.0.0.1 and a free port, whose every answer is scripted: the
 * completions (and chat) path runs a {@link Script}; {@code /v1/models} and {@code /metrics} answer what the test
 * set. It keeps every request body it received, so a test checks what the client sent (the prompt's length).
 */
final class ScriptedServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        // The JDK's server closes kept-alive connections beyond 200 idle ones as soon as they go idle, racing the
        // client that reuses them (a connection failure the client records, as it should); and it sends small
        // writes late (Nagle) unless told. Neither is the client's to measure.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** How the server answers one completions request. */
    interface Script {
        void respond(JsonNode request, Response out) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService pool;
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    final Map<String, String> headers = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();
    volatile int modelsStatus = 200;
    volatile String modelsBody = "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\","
            + "\"max_model_len\":4096}]}";
    volatile int metricsStatus = 404;
    volatile java.util.function.Supplier<String> metricsBody = () -> "";

    ScriptedServer(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/v1/models", ex -> fixed(ex, modelsStatus, modelsBody));
        server.createContext("/metrics", ex -> fixed(ex, metricsStatus, metricsBody.get()));
        server.createContext("/v1/completions", ex -> run(ex, script));
        server.createContext("/v1/chat/completions", ex -> run(ex, script));
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void fixed(HttpExchange ex, int status, String body) throws IOException {
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    private void run(HttpExchange ex, Script script) throws IOException {
        requests.incrementAndGet();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
        JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
        bodies.add(body);
        try {
            script.respond(body, new Response(ex));
        } catch (InterruptedException e) {
            ex.close();
        } catch (Exception e) {
            ex.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    /** The answer being written. */
    static final class Response {
        private final HttpExchange ex;
        private OutputStream out;

        Response(HttpExchange ex) {
            this.ex = ex;
        }

        /** A whole non-streamed answer. */
        void status(int code, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }

        /** Starts a 200 event stream (chunked). */
        Response stream() throws IOException {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            out = ex.getResponseBody();
            return this;
        }

        /** Writes raw text and flushes it to the network. */
        Response raw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        }

        Response event(String data) throws IOException {
            return raw("data: " + data + "\n\n");
        }

        Response done() throws IOException {
            return raw("data: [DONE]\n\n");
        }

        void end() throws IOException {
            out.close();
        }
    }

    /** A completions chunk of {@code text} with, when {@code cumulative} >= 0, continuous usage. */
    static String chunk(String text, String finish, int prompt, int cumulative) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", "cmpl-1");
        n.put("object", "text_completion");
        ObjectNode c = n.putArray("choices").addObject();
        c.put("index", 0);
        c.put("text", text);
        if (finish == null) {
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finish);
        }
        if (cumulative >= 0) {
            usage(n, prompt, cumulative);
        }
        return n.toString();
    }

    /** The final usage-only chunk. */
    static String usageChunk(int prompt, int completion) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", "cmpl-1");
        n.putArray("choices");
        usage(n, prompt, completion);
        return n.toString();
    }

    private static void usage(ObjectNode n, int prompt, int completion) {
        ObjectNode u = n.putObject("usage");
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
    }

    /** The prompt's length in a completions request (token ids), or its words in a chat one. */
    static int promptLength(JsonNode request) {
        if (request.has("prompt")) {
            return request.get("prompt").size();
        }
        return request.path("messages").path(0).path("content").asText().split(" ").length;
    }

    /**
     * Streams {@code chunks} (token counts per chunk) with continuous usage, then the usage chunk and [DONE]:
     * vLLM's way.
     */
    static void tokens(JsonNode request, Response out, int... chunks) throws IOException {
        int prompt = promptLength(request);
        int max = request.path("max_tokens").asInt();
        out.stream();
        int sent = 0;
        for (int i = 0; i < chunks.length; i++) {
            sent += chunks[i];
            out.event(chunk("t".repeat(chunks[i]), i == chunks.length - 1 && sent >= max ? "length" : null, prompt,
                    sent));
        }
        out.event(usageChunk(prompt, sent)).done().end();
    }

    /** One token per chunk, {@code n} of them, with continuous usage. */
    static void oneByOne(JsonNode request, Response out, int n) throws IOException {
        int[] ones = new int[n];
        java.util.Arrays.fill(ones, 1);
        tokens(request, out, ones);
    }
}
