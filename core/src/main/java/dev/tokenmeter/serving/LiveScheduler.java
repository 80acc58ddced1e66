package dev.tokenmeter.serving;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine and its {@link ContinuousBatcher} behind a thread-safe front, for a server: requests come from any
 * thread while one scheduler thread, which alone touches the engine and the batcher, runs the steps as
 * {@link ServingLoop} does ({@code arrive}, {@code nextStep}, {@code engine.step}, {@code complete}). Each request
 * has a {@link Listener}, told of every generated token, of its completion or of its failure, on the scheduler
 * thread (so a listener must hand work off, never block). A {@link Ticket} cancels a request whose client went
 * away: its slot and KV blocks are free before the next step. Decoding is greedy and a request generates exactly
 * its {@code maxTokens} (the synthetic model has no end of sequence). The scheduler thread waits on its command
 * queue when no request is left: an idle server costs no CPU.
 *
 * <p>The engine stays the caller's: {@link #close()} stops the thread (failing the requests left) but does not
 * close the engine.
 */
public final class LiveScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveScheduler.class);

    /**
     * Upper bounds (seconds) of the queue-time histogram's buckets, the last one +Inf: from 1 ms (an idle server
     * admits at the next step) to a minute (an overloaded one).
     */
    public static final double[] QUEUE_TIME_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10, 30, 60, Double.POSITIVE_INFINITY};

    /** What happens to one request. Called on the scheduler thread, in order; must return quickly. */
    public interface Listener {
        /** The request's next output token, generated at {@code nanos} ({@link System#nanoTime()}). */
        void onToken(int token, long nanos);

        /** All {@code maxTokens} tokens were generated. */
        void onComplete(Completion completion);

        /** The request will get no more tokens: the scheduler was closed, or the engine failed. */
        void onFailure(String reason);
    }

    /**
     * A finished request.
     *
     * @param queueNanos  from its submission to its admission to the batch
     * @param preemptions times it lost its KV cache and was recomputed
     */
    public record Completion(int promptTokens, int[] outputTokens, long queueNanos, int preemptions) {
    }

    /** Why a request was refused at submission. */
    public enum Refusal {
        /** Its prompt and output do not fit the engine's context, or never could fit the KV cache. */
        TOO_LONG,
        /** A malformed request: no prompt, a token outside the vocabulary, no output. */
        INVALID,
        /** The scheduler is closed (shutting down) or stopped on an engine failure. */
        CLOSED
    }

    /** A request refused at submission, with a message for the client. */
    public static final class RefusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Refusal refusal;

        RefusedException(Refusal refusal, String message) {
            super(message);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /** A request submitted; {@link #cancel()} withdraws it. */
    public final class Ticket {
        private final Listener listener;
        private final int[] prompt;
        private final int maxTokens;
        private final long submittedNanos;
        private ServingSequence sequence;
        private int delivered;
        private boolean admissionSeen;

        private Ticket(Listener listener, int[] prompt, int maxTokens, long submittedNanos) {
            this.listener = listener;
            this.prompt = prompt;
            this.maxTokens = maxTokens;
            this.submittedNanos = submittedNanos;
        }

        /**
         * Withdraws the request if it is still waiting or running (no more callbacks once the scheduler thread has
         * taken the cancellation, before its next step); a finished one is left as it is. Any thread, idempotent.
         */
        public void cancel() {
            command(new Command(Command.Kind.CANCEL, this));
        }
    }

    /** A counters and gauges snapshot, for a metrics endpoint. */
    public record Stats(int running, int waiting, int kvBlocksUsed, int kvBlocksTotal, long promptTokens,
            long generationTokens, long submitted, long completed, long cancelled, long failed, long preemptions,
            long steps, long[] queueTimeBuckets, double queueTimeSumSeconds) {
        /** Requests in the queue-time histogram: those admitted. */
        public long queueTimeCount() {
            return Arrays.stream(queueTimeBuckets).sum();
        }

        /** Requests submitted and neither finished nor cancelled nor failed. */
        public long live() {
            return submitted - completed - cancelled - failed;
        }
    }

    private record Command(Kind kind, Ticket ticket) {
        enum Kind { SUBMIT, CANCEL, STOP }
    }

    private final Engine engine;
    private final ContinuousBatcher batcher;
    private final int maxContext;
    private final int kvBlocks;
    private final int kvBlockSize;
    private final long origin = System.nanoTime();
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** Guards {@link #open} against submissions racing the close. */
    private final Object lock = new Object();
    private boolean open = true;
    private volatile String stoppedBecause;

    // Owned by the scheduler thread.
    private final Map<ServingSequence, Ticket> live = new IdentityHashMap<>();
    private int nextId;

    // Written by the scheduler thread, read by any.
    private volatile int running;
    private volatile int waiting;
    private volatile int blocksUsed;
    private volatile long promptTokens;
    private volatile long generationTokens;
    private volatile long submitted;
    private volatile long completed;
    private volatile long cancelled;
    private volatile long failed;
    private volatile long preemptions;
    private volatile long steps;
    private final AtomicLongArray queueBuckets = new AtomicLongArray(QUEUE_TIME_BUCKETS.length);
    private volatile double queueSumSeconds;

    /** Starts the scheduler thread over {@code engine}, whose options {@code config} must hold. */
    public LiveScheduler(Engine engine, ContinuousBatcher.Config config, SchedulingPolicy policy) {
        this.engine = Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(config, "config");
        if (!config.options().equals(engine.options())) {
            throw new IllegalArgumentException("the batcher's options " + config.options() + " are not the engine's "
                    + engine.options());
        }
        this.batcher = new ContinuousBatcher(config, policy);
        this.maxContext = config.options().maxContext();
        this.kvBlocks = config.options().kvBlocks();
        this.kvBlockSize = config.options().kvBlockSize();
        this.thread = new Thread(this::loop, "tokenmeter-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    public ModelConfig model() {
        return engine.model();
    }

    /** Positions per request, prompt and output together. */
    public int maxContext() {
        return maxContext;
    }

    /**
     * Checks a request of {@code promptTokens} and {@code maxTokens} against the engine's limits without
     * submitting it; throws {@link RefusedException} with the reason.
     */
    public void check(int promptTokens, int maxTokens) {
        if (promptTokens < 1) {
            throw new RefusedException(Refusal.INVALID, "the prompt must hold at least one token");
        }
        if (maxTokens < 1) {
            throw new RefusedException(Refusal.INVALID, "max_tokens must be at least 1, got " + maxTokens);
        }
        long total = (long) promptTokens + maxTokens;
        if (total > maxContext) {
            throw new RefusedException(Refusal.TOO_LONG, "this model's maximum context length is " + maxContext
                    + " tokens; the request needs " + total + " (" + promptTokens + " in the prompt, " + maxTokens
                    + " to generate)");
        }
        long blocks = (total + kvBlockSize - 1) / kvBlockSize;
        if (blocks > kvBlocks) {
            throw new RefusedException(Refusal.TOO_LONG, "the request needs " + blocks + " KV-cache blocks of "
                    + kvBlockSize + " positions for its " + total + " tokens; the cache holds " + kvBlocks);
        }
    }

    /**
     * Submits a request: prompt token ids and the tokens to generate. Throws {@link RefusedException} when it can
     * never run (too long, malformed) or the scheduler is closed; otherwise the listener hears of it.
     */
    public Ticket submit(int[] prompt, int maxTokens, Listener listener) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(listener, "listener");
        check(prompt.length, maxTokens);
        int vocab = engine.model().vocab();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new RefusedException(Refusal.INVALID, "token id " + prompt[i] + " at prompt position " + i
                        + " is not in this model's vocabulary [0, " + vocab + ")");
            }
        }
        Ticket t = new Ticket(listener, prompt.clone(), maxTokens, System.nanoTime());
        synchronized (lock) {
            if (!open) {
                throw new RefusedException(Refusal.CLOSED, stoppedBecause == null ? "the server is shutting down"
                        : "the engine stopped: " + stoppedBecause);
            }
            submitted++;
            commands.add(new Command(Command.Kind.SUBMIT, t));
        }
        return t;
    }

    private void command(Command c) {
        synchronized (lock) {
            if (open) {
                commands.add(c);
            }
        }
    }

    /** The counters and gauges now. */
    public Stats stats() {
        long[] buckets = new long[QUEUE_TIME_BUCKETS.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = queueBuckets.get(i);
        }
        return new Stats(running, waiting, blocksUsed, kvBlocks, promptTokens, generationTokens, submitted,
                completed, cancelled, failed, preemptions, steps, buckets, queueSumSeconds);
    }

    /** Whether the scheduler takes requests (not closed, no engine failure). */
    public boolean isOpen() {
        synchronized (lock) {
            return open;
        }
    }

    /**
     * Stops taking requests, fails those left (their listeners hear "the server is shutting down") and stops the
     * scheduler thread after its current step; waits for it. Idempotent. The engine is not closed.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (open) {
                open = false;
                commands.add(new Command(Command.Kind.STOP, null));
            }
        }
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        String reason = "the server is shutting down";
        try {
            while (true) {
                Command c = batcher.idle() ? commands.take() : commands.poll();
                boolean stop = false;
                while (c != null) {
                    stop |= apply(c);
                    c = commands.poll();
                }
                publish();
                if (stop) {
                    break;
                }
                if (!batcher.idle()) {
                    step();
                    publish();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("the engine failed; the scheduler stops", e);
            reason = "the engine failed: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage());
            stoppedBecause = reason;
        }
        synchronized (lock) {
            open = false;
        }
        for (Ticket t : new ArrayList<>(live.values())) {
            fail(t, reason);
        }
        live.clear();
        for (Command c; (c = commands.poll()) != null; ) {
            if (c.kind() == Command.Kind.SUBMIT) {
                fail(c.ticket(), reason);
            }
        }
        publish();
    }

    /** Applies a command; true for STOP. */
    private boolean apply(Command c) {
        switch (c.kind()) {
            case SUBMIT -> {
                Ticket t = c.ticket();
                Arrival a = new Arrival(nextId, (t.submittedNanos - origin) / 1e9, t.prompt.length, t.maxTokens);
                nextId = nextId == Integer.MAX_VALUE ? 0 : nextId + 1;
                t.sequence = batcher.arrive(a, clock(t.submittedNanos), t.prompt);
                live.put(t.sequence, t);
                return false;
            }
            case CANCEL -> {
                Ticket t = c.ticket();
                if (t.sequence != null && live.remove(t.sequence) != null) {
                    batcher.cancel(t.sequence);
                    cancelled++;
                }
                return false;
            }
            default -> {
                return true;
            }
        }
    }

    private void step() {
        StepBatch step = batcher.nextStep(clock(System.nanoTime()));
        if (step == null) {
            throw new IllegalStateException("the scheduler has requests but cannot run a step");
        }
        StepResult r = engine.step(step);
        long now = System.nanoTime();
        batcher.complete(r, clock(now));
        batcher.drainFinished();
        steps++;
        List<ServingSequence> done = new ArrayList<>();
        for (Map.Entry<ServingSequence, Ticket> e : live.entrySet()) {
            ServingSequence s = e.getKey();
            Ticket t = e.getValue();
            if (!t.admissionSeen && s.admittedNanos() >= 0) {
                t.admissionSeen = true;
                observeQueueTime(origin + s.admittedNanos() - t.submittedNanos);
                promptTokens += t.prompt.length;
            }
            int generated = s.generated();
            if (generated > t.delivered) {
                int[] tokens = s.tokens();
                for (int k = t.delivered; k < generated; k++) {
                    generationTokens++;
                    deliver(t, tokens[t.prompt.length + k], now);
                }
                t.delivered = generated;
            }
            if (s.finished()) {
                done.add(s);
            }
        }
        for (ServingSequence s : done) {
            Ticket t = live.remove(s);
            completed++;
            long queue = Math.max(0, origin + s.admittedNanos() - t.submittedNanos);
            try {
                t.listener.onComplete(new Completion(t.prompt.length, s.output(), queue, s.preemptions()));
            } catch (RuntimeException e) {
                LOG.warn("a request's listener failed on completion", e);
            }
        }
        preemptions = batcher.preemptions();
    }

    private static void deliver(Ticket t, int token, long now) {
        try {
            t.listener.onToken(token, now);
        } catch (RuntimeException e) {
            LOG.warn("a request's listener failed on a token", e);
        }
    }

    private void fail(Ticket t, String reason) {
        failed++;
        try {
            t.listener.onFailure(reason);
        } catch (RuntimeException e) {
            LOG.warn("a request's listener failed on its failure", e);
        }
    }

    private void observeQueueTime(long nanos) {
        double seconds = Math.max(0, nanos) / 1e9;
        int i = 0;
        while (seconds > QUEUE_TIME_BUCKETS[i]) {
            i++;
        }
        queueSumSeconds += seconds;
        queueBuckets.incrementAndGet(i);
    }

    private void publish() {
        running = batcher.runningCount();
        waiting = batcher.waitingCount();
        blocksUsed = batcher.usedBlocks();
    }

    /** The batcher's clock: nanoseconds since this scheduler started, never negative (-1 means "not admitted"). */
    private long clock(long systemNanos) {
        return systemNanos - origin;
    }
}
