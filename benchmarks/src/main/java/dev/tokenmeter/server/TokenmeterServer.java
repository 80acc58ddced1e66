package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.LiveScheduler;
import dev.tokenmeter.serving.SchedulingPolicy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code tokenmeter server}: an engine behind an OpenAI-compatible HTTP API (Jetty's core API, asynchronous), over
 * the same continuous batcher that {@code serve} measures in process ({@link LiveScheduler}). Endpoints, fields,
 * the text rule, the metrics and the errors are in docs/server.md. Start one with {@link #start}; {@link #stop}
 * stops taking requests, lets those in flight finish within a grace period, then ends the rest cleanly (a stream
 * gets an error event and its end). The engine stays the caller's: close it after stopping the server.
 */
public final class TokenmeterServer implements AutoCloseable {
    /** The grace period of {@link #close()} and of a server stopped by a signal where none is given. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    /**
     * Where and as what a server listens.
     *
     * @param host        the address to bind (127.0.0.1: this host only; 0.0.0.0: every interface)
     * @param port        the port; 0 for any free one ({@link #port()} says which)
     * @param servedModel the model name clients send and {@code /v1/models} lists
     * @param grace       how long {@link #close()} lets requests in flight finish
     */
    public record Options(String host, int port, String servedModel, Duration grace) {
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            }
            if (servedModel == null || servedModel.isBlank()) {
                throw new IllegalArgumentException("the served model name must not be blank");
            }
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("the grace period must be >= 0, got " + grace);
            }
        }

        /** On 127.0.0.1, any free port, the default grace period. */
        public static Options local(String servedModel) {
            return new Options("127.0.0.1", 0, servedModel, DEFAULT_GRACE);
        }
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Options options;
    private final LiveScheduler scheduler;
    private final Server server;
    private final ServerConnector connector;
    private final Set<Exchange> active = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean stopping;
    private volatile int port;

    private TokenmeterServer(Engine engine, ContinuousBatcher.Config batcher, Options options) {
        this.options = Objects.requireNonNull(options, "options");
        this.scheduler = new LiveScheduler(engine, batcher, SchedulingPolicy.FIRST_COME_FIRST_SERVED);
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("tokenmeter-http");
        threads.setDaemon(true);
        this.server = new Server(threads);
        this.connector = new ServerConnector(server);
        connector.setHost(options.host());
        connector.setPort(options.port());
        server.addConnector(connector);
        server.setHandler(new Api());
        server.setErrorHandler(new Errors());
        server.setStopTimeout(2000);
    }

    /**
     * Starts a server over {@code engine} (whose options {@code batcher} holds) and returns once it listens.
     * Throws where the address cannot be bound.
     */
    public static TokenmeterServer start(Engine engine, ContinuousBatcher.Config batcher, Options options)
            throws Exception {
        TokenmeterServer s = new TokenmeterServer(engine, batcher, options);
        try {
            s.server.start();
            s.port = s.connector.getLocalPort();
        } catch (Exception e) {
            s.scheduler.close();
            s.server.stop();
            throw e;
        }
        return s;
    }

    /** The port it listens on (or listened on, once stopped). */
    public int port() {
        return port;
    }

    /** {@code http://HOST:PORT}, without a trailing slash; the API is under {@code /v1}. */
    public URI uri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port());
    }

    public Options options() {
        return options;
    }

    /** The scheduler behind the API: its {@link LiveScheduler#stats()} are what {@code /metrics} shows. */
    public LiveScheduler scheduler() {
        return scheduler;
    }

    /** Waits until the server has stopped (by {@link #stop}, from any thread). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** {@link #stop(Duration)} with the options' grace period. */
    @Override
    public void close() {
        stop(options.grace());
    }

    /**
     * Stops: no new connection is accepted and new requests get 503; requests in flight have {@code grace} to
     * finish; then the rest are failed (a stream ends with an error event and {@code [DONE]}, a plain request gets
     * 503) and the server stops. Idempotent; returns when stopped.
     */
    public synchronized void stop(Duration grace) {
        if (stopped.getCount() == 0) {
            return;
        }
        stopping = true;
        try {
            // No new connection: the listening socket closes (a client is refused at once), while the
            // connections open go on. (Jetty's connector shutdown would end the streams in flight too.)
            connector.setAccepting(false);
            connector.close();
            waitForActive(System.nanoTime() + grace.toNanos());
            scheduler.close();
            waitForActive(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            server.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("the server did not stop cleanly: " + e.getMessage(), e);
        } finally {
            scheduler.close();
            stopped.countDown();
        }
    }

    private void waitForActive(long deadline) throws InterruptedException {
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Whether {@link #stop} has begun: new requests get 503. */
    public boolean isStopping() {
        return stopping;
    }

    /** Requests being answered now (completions in flight). */
    public int activeRequests() {
        return active.size();
    }

    /** The API's routes. */
    private final class Api extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            String method = request.getMethod();
            try {
                switch (path) {
                    case "/v1/completions", "/v1/chat/completions" -> {
                        allow(method, "POST");
                        if (stopping) {
                            throw shuttingDown();
                        }
                        boolean chat = path.equals("/v1/chat/completions");
                        Content.Source.asStringAsync(request, StandardCharsets.UTF_8).whenComplete((body, x) -> {
                            if (x != null) {
                                callback.failed(x);
                                return;
                            }
                            try {
                                complete(chat, body, request, response, callback);
                            } catch (ApiException e) {
                                error(response, callback, e);
                            } catch (RuntimeException e) {
                                error(response, callback, internal(e));
                            }
                        });
                    }
                    case "/v1/models" -> {
                        allow(method, "GET");
                        json(response, callback, 200, models());
                    }
                    case "/health" -> {
                        allow(method, "GET");
                        if (stopping || !scheduler.isOpen()) {
                            throw shuttingDown();
                        }
                        response.setStatus(200);
                        response.write(true, null, callback);
                    }
                    case "/metrics" -> {
                        allow(method, "GET");
                        response.setStatus(200);
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                        Content.Sink.write(response, true, PrometheusMetrics.render(scheduler.stats(),
                                rejected.get(), options.servedModel()), callback);
                    }
                    default -> throw new ApiException(404, "invalid_request_error", "no such endpoint: " + method
                            + " " + path + " (this server has /v1/completions, /v1/chat/completions, /v1/models,"
                            + " /health and /metrics)", null, "not_found");
                }
            } catch (ApiException e) {
                if (e.status() == 405) {
                    response.getHeaders().put(HttpHeader.ALLOW, e.param());
                    e = new ApiException(405, e.type(), e.getMessage(), null, e.code());
                }
                error(response, callback, e);
            }
            return true;
        }
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            // The allowed method travels in param until the Allow header is set.
            throw new ApiException(405, "invalid_request_error", "method " + method + " is not allowed here; use "
                    + allowed, allowed, "method_not_allowed");
        }
    }

    private static ApiException shuttingDown() {
        return new ApiException(503, "server_error", "the server is shutting down", null, "service_unavailable");
    }

    private static ApiException internal(RuntimeException e) {
        return new ApiException(500, "server_error", "internal error: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()), null, "internal_error");
    }

    private void complete(boolean chat, String body, Request request, Response response, Callback callback) {
        int vocab = scheduler.model().vocab();
        CompletionRequest r = CompletionRequest.parse(mapper, body, chat, options.servedModel(), vocab,
                scheduler.maxContext());
        String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
        Exchange exchange = new Exchange(mapper, r, response, callback, id, System.currentTimeMillis() / 1000,
                options.servedModel(), active::remove);
        // Known and listened to before it is submitted: the scheduler thread may finish a short request, and
        // complete the response, before submit() has even returned.
        active.add(exchange);
        request.addFailureListener(exchange::abort);
        LiveScheduler.Ticket ticket;
        try {
            ticket = scheduler.submit(r.prompt(), r.maxTokens(), exchange);
        } catch (LiveScheduler.RefusedException e) {
            active.remove(exchange);
            throw switch (e.refusal()) {
                case TOO_LONG -> new ApiException(400, "invalid_request_error", e.getMessage(), chat ? "messages"
                        : "prompt", "context_length_exceeded");
                case INVALID -> ApiException.invalid(null, e.getMessage());
                case CLOSED -> new ApiException(503, "server_error", e.getMessage(), null, "service_unavailable");
            };
        }
        exchange.begin(ticket);
    }

    private ObjectNode models() {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", options.servedModel());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "tokenmeter");
        m.put("max_model_len", scheduler.maxContext());
        return root;
    }

    private void json(Response response, Callback callback, int status, ObjectNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, body.toString(), callback);
    }

    private void error(Response response, Callback callback, ApiException e) {
        rejected.incrementAndGet();
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        json(response, callback, e.status(), e.body(mapper));
    }

    /** Errors Jetty answers itself (a malformed HTTP request): the same OpenAI error object, no stack trace. */
    private final class Errors extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Object code = request.getAttribute(ErrorHandler.ERROR_STATUS);
            int status = code instanceof Integer i ? i : 500;
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            String text = message == null ? "HTTP " + status : message.toString();
            json(response, callback, status, new ApiException(status, status < 500 ? "invalid_request_error"
                    : "server_error", text, null, null).body(mapper));
            return true;
        }
    }
}
