package dev.tokenmeter.endpoint;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.ServingTarget;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server behind an OpenAI-compatible endpoint as a serving target: each request is one streamed HTTP request
 * (docs/endpoint-client.md). The JDK's asynchronous HTTP client over HTTP/1.1, one connection per request in
 * flight, a small fixed pool of threads for the streams' callbacks and one timer thread for deadlines: thousands of
 * concurrent streams cost sockets, not threads. The calling thread dispatches: it sleeps until each request's
 * scheduled arrival (open loop) or a completion (closed loop), sends, and records when it sent, so the client's
 * own lag is measured apart from the server's latency. Every request ends by its deadline ({@code timeoutSeconds}
 * from its scheduled arrival); nothing is retried.
 */
public final class EndpointTarget implements ServingTarget {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointTarget.class);
    private static final long TICK_NANOS = 100_000_000L;

    private final Endpoint endpoint;
    private final int vocab;
    private final String apiKey;
    private final Integer maxModelLen;
    private final ExecutorService executor;
    private final ScheduledThreadPoolExecutor timer;
    private final HttpClient http;
    private final ServerMetrics metrics;
    private volatile ServerFacts lastFacts;
    private volatile int lastReconciled;

    /**
     * A target that sends to {@code endpoint} as it is (no probe: see {@link #open}).
     *
     * @param endpoint the endpoint, with the model to send named
     * @param model    the model's configuration: its vocabulary bounds the synthetic prompts' token ids
     * @param apiKey   sent as a bearer token; null for none
     */
    public EndpointTarget(Endpoint endpoint, ModelConfig model, String apiKey) {
        this(endpoint, model, apiKey, null);
    }

    /** As {@link #EndpointTarget(Endpoint, ModelConfig, String)}, with the context length the probe found. */
    public EndpointTarget(Endpoint endpoint, ModelConfig model, String apiKey, Integer maxModelLen) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        if (endpoint.model() == null) {
            throw new IllegalArgumentException("the endpoint's model must be named (EndpointProbe finds it)");
        }
        this.vocab = Objects.requireNonNull(model, "model").vocab();
        this.apiKey = apiKey;
        this.maxModelLen = maxModelLen;
        int threads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
        this.executor = Executors.newFixedThreadPool(threads, daemons("tokenmeter-endpoint"));
        this.timer = new ScheduledThreadPoolExecutor(1, daemons("tokenmeter-endpoint-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofMillis(Math.max(1, Math.round(endpoint.timeoutSeconds() * 1000))))
                .build();
        this.metrics = new ServerMetrics(http, endpoint, apiKey);
        requestBuilder(endpoint, apiKey, endpoint.api().path());
    }

    /**
     * The target for {@code endpoint} once it has proved to serve: the API key read from its environment
     * variable, then {@link EndpointProbe#probe} (the model found where none was named).
     *
     * @throws EndpointException one clear line: a usage error (bad URL, model or key) or a failed run
     */
    public static EndpointTarget open(Endpoint endpoint, ModelConfig model) {
        String key = apiKey(endpoint, System::getenv);
        EndpointProbe.Served served = EndpointProbe.probe(endpoint, key);
        return new EndpointTarget(served.endpoint(), model, key, served.maxModelLen());
    }

    /**
     * The API key from the environment variable the endpoint names; null where it names none.
     *
     * @throws EndpointException (usage) where the variable is unset or empty
     */
    public static String apiKey(Endpoint endpoint, Function<String, String> environment) {
        if (endpoint.apiKeyEnv() == null) {
            return null;
        }
        String key = environment.apply(endpoint.apiKeyEnv());
        if (key == null || key.isBlank()) {
            throw new EndpointException(true, "the API key's environment variable $" + endpoint.apiKeyEnv()
                    + " is not set");
        }
        return key.strip();
    }

    /** The endpoint requests go to. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** What the server said about the last run (null before any). */
    public ServerFacts lastRunFacts() {
        return lastFacts;
    }

    /** How many requests of the last run had chunks that disagreed with the server's usage total (kept). */
    public int lastRunReconciled() {
        return lastReconciled;
    }

    @Override
    public ServingLoop.Outcome openLoop(List<Arrival> arrivals, long seed, long maxNanos,
            ServingLoop.StepListener listener) {
        for (int i = 1; i < arrivals.size(); i++) {
            if (arrivals.get(i).atSeconds() < arrivals.get(i - 1).atSeconds()) {
                throw new IllegalArgumentException("arrivals must be in time order: " + arrivals.get(i) + " after "
                        + arrivals.get(i - 1));
            }
        }
        Run run = new Run(arrivals, seed, maxNanos, listener);
        for (Arrival a : arrivals) {
            HttpRequest request = run.request(a);
            long at = Math.round(a.atSeconds() * 1e9);
            if (!run.sleepUntil(at)) {
                break;
            }
            run.send(a, at, request);
        }
        run.awaitAll(null);
        return run.finish();
    }

    @Override
    public ServingLoop.Outcome closedLoop(List<Arrival> requests, int concurrency, long seed, long maxNanos,
            ServingLoop.StepListener listener) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
        }
        Run run = new Run(requests, seed, maxNanos, listener);
        int first = Math.min(concurrency, requests.size());
        long t0 = run.now();
        for (int i = 0; i < first && t0 < maxNanos; i++) {
            run.send(issued(requests.get(i), t0), t0, run.request(requests.get(i)));
        }
        run.awaitAll(requests);
        return run.finish();
    }

    private static Arrival issued(Arrival a, long nanos) {
        return new Arrival(a.id(), nanos / 1e9, a.promptLength(), a.outputLength());
    }

    /** One run: its clock, the requests it issued, and the dispatcher's waiting. */
    private final class Run {
        private final List<Arrival> workload;
        private final long seed;
        private final long maxNanos;
        private final ServingLoop.StepListener listener;
        private final long start;
        private final List<StreamCall> issued = new ArrayList<>();
        private final LinkedBlockingQueue<Long> ends = new LinkedBlockingQueue<>();
        private final AtomicInteger done = new AtomicInteger();
        private final ServerMetrics.Watch watch;
        private long nextTick;

        Run(List<Arrival> workload, long seed, long maxNanos, ServingLoop.StepListener listener) {
            this.workload = List.copyOf(workload);
            this.seed = seed;
            this.maxNanos = maxNanos;
            this.listener = listener;
            this.watch = metrics.watch(timer);
            this.start = System.nanoTime();
        }

        long now() {
            return System.nanoTime() - start;
        }

        HttpRequest request(Arrival a) {
            int[] prompt = SyntheticPrompts.prompt(seed, a.id(), a.promptLength(), vocab);
            byte[] body = endpoint.api() == Endpoint.Api.CHAT
                    ? RequestBodies.chat(endpoint.model(), prompt, a.outputLength(), endpoint.ignoreEos())
                    : RequestBodies.completions(endpoint.model(), prompt, a.outputLength(), endpoint.ignoreEos());
            return requestBuilder(endpoint, apiKey, endpoint.api().path())
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .timeout(Duration.ofMillis(Math.round(endpoint.timeoutSeconds() * 1000) + 1000))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        }

        /** Sleeps (in slices, telling the listener) until {@code at}; false where the run's time ran out first. */
        boolean sleepUntil(long at) {
            long now;
            while ((now = now()) < at) {
                if (now >= maxNanos) {
                    return false;
                }
                tick(now);
                long wake = Math.min(Math.min(at, maxNanos), nextTick);
                LockSupport.parkNanos(Math.max(wake - now, 1000));
            }
            return now < maxNanos;
        }

        void send(Arrival a, long arrivalNanos, HttpRequest request) {
            StreamCall call = new StreamCall(a, arrivalNanos, start, endpoint.timeoutSeconds(),
                    endpoint.api() == Endpoint.Api.CHAT, this::ended);
            issued.add(call);
            call.sentAt(now());
            CompletableFuture<HttpResponse<Void>> sending;
            try {
                sending = http.sendAsync(request, info -> call.forStatus(info.statusCode()));
            } catch (RuntimeException e) {
                call.sendFailed(e);
                return;
            }
            sending.whenComplete((r, t) -> {
                if (t != null) {
                    call.sendFailed(t);
                }
            });
            ScheduledFuture<?> deadline = timer.schedule(call::expire, call.deadlineNanos() - now(),
                    TimeUnit.NANOSECONDS);
            call.attach(sending, deadline);
        }

        private void ended(StreamCall call) {
            done.incrementAndGet();
            ends.add(call.endNanos());
        }

        /**
         * Waits for every issued request to end, or the run's time to run out; in a closed loop
         * ({@code closed} non-null) each end issues the next request, whose clock starts at that end.
         */
        void awaitAll(List<Arrival> closed) {
            int next = issued.size();
            HttpRequest prepared = null;
            while (true) {
                long now = now();
                boolean more = closed != null && next < closed.size();
                if (now >= maxNanos || (!more && done.get() >= issued.size())) {
                    return;
                }
                tick(now);
                if (more && prepared == null) {
                    prepared = request(closed.get(next));
                }
                Long end;
                try {
                    end = ends.poll(Math.max(1000, Math.min(nextTick, maxNanos) - now()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (; end != null && more && now() < maxNanos; end = ends.poll()) {
                    Arrival a = closed.get(next++);
                    send(issued(a, end), end, prepared != null ? prepared : request(a));
                    prepared = null;
                    more = next < closed.size();
                }
            }
        }

        private void tick(long now) {
            if (now >= nextTick) {
                nextTick = now + TICK_NANOS;
                if (listener != null) {
                    listener.afterStep(0, done.get(), workload.size(), now);
                }
            }
        }

        /** Ends the run: what has not ended is unfinished; the facts of the server are read. */
        ServingLoop.Outcome finish() {
            long end = now();
            List<RequestRecord> unfinished = new ArrayList<>();
            List<StreamCall> ended = new ArrayList<>();
            for (StreamCall c : issued) {
                RequestRecord r = c.abandon(end);
                if (r == null) {
                    ended.add(c);
                } else {
                    unfinished.add(r);
                }
            }
            ended.sort(Comparator.comparingLong(StreamCall::endNanos));
            List<RequestRecord> finished = new ArrayList<>(ended.size());
            int reconciled = 0;
            for (StreamCall c : ended) {
                finished.add(c.record());
                reconciled += c.reconciled() ? 1 : 0;
            }
            for (int i = issued.size(); i < workload.size(); i++) {
                Arrival a = workload.get(i);
                unfinished.add(RequestRecord.client(a, Math.round(a.atSeconds() * 1e9), -1, new long[0], new int[0],
                        -1, null));
            }
            if (listener != null) {
                listener.afterStep(0, finished.size(), workload.size(), end);
            }
            lastReconciled = reconciled;
            if (reconciled > 0) {
                LOG.warn("{} of {} requests: the chunks' token count disagreed with the server's usage total, which"
                        + " was kept", reconciled, finished.size());
            }
            lastFacts = watch.finish(endpoint.model(), maxModelLen);
            return new ServingLoop.Outcome(finished, unfinished, 0, 0, end, peak(issued, end));
        }
    }

    /** The most requests that had arrived and not yet ended at one time (an end before an arrival at one time). */
    static int peak(List<StreamCall> calls, long runEnd) {
        long[] events = new long[calls.size() * 2];
        int n = 0;
        for (StreamCall c : calls) {
            long end = c.endNanos() < 0 ? runEnd : c.endNanos();
            events[n++] = c.arrivalNanos() * 2 + 1;
            events[n++] = Math.max(end, c.arrivalNanos()) * 2;
        }
        Arrays.sort(events, 0, n);
        int in = 0;
        int peak = 0;
        for (int i = 0; i < n; i++) {
            in += (events[i] & 1) == 1 ? 1 : -1;
            peak = Math.max(peak, in);
        }
        return peak;
    }

    /** A request to {@code path} with the endpoint's headers and the key. */
    static HttpRequest.Builder requestBuilder(Endpoint endpoint, String apiKey, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve(path));
        try {
            for (Map.Entry<String, String> h : endpoint.headers().entrySet()) {
                b.header(h.getKey(), h.getValue());
            }
        } catch (IllegalArgumentException e) {
            throw new EndpointException(true, "a header the HTTP client may not set: " + e.getMessage());
        }
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        timer.shutdownNow();
        executor.shutdownNow();
    }
}
