package dev.tokenmeter.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The live scheduler on the CPU engine: greedy tokens from any thread, refusals, cancellation, close. */
class LiveSchedulerTest {
    private static final ModelConfig TINY = ModelPresets.get("tiny");
    private static final long SEED = 42;
    private static CpuBackend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(1);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** Collects a request's callbacks. */
    static final class Collector implements LiveScheduler.Listener {
        final List<Integer> tokens = new ArrayList<>();
        final CompletableFuture<LiveScheduler.Completion> done = new CompletableFuture<>();
        final CountDownLatch firstToken = new CountDownLatch(1);

        @Override
        public synchronized void onToken(int token, long nanos) {
            tokens.add(token);
            firstToken.countDown();
        }

        @Override
        public void onComplete(LiveScheduler.Completion completion) {
            done.complete(completion);
        }

        @Override
        public void onFailure(String reason) {
            done.completeExceptionally(new IllegalStateException(reason));
        }

        synchronized int[] tokens() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static EngineOptions options(int seqs, int context, int blocks) {
        return EngineOptions.paged(SEED, seqs, context, 4, blocks);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void requestsFromManyThreadsGetTheEnginesGreedyTokens() throws Exception {
        int n = 6;
        int prompt = 9;
        int output = 7;
        EngineOptions o = options(3, 32, 24);
        List<GreedyGeneration.Output> want;
        try (Engine plain = backend.load(TINY, EngineOptions.of(SEED, n, prompt + output))) {
            want = GreedyGeneration.run(plain, SEED, n, prompt, output);
        }
        try (Engine engine = backend.load(TINY, o);
                LiveScheduler s = new LiveScheduler(engine, new ContinuousBatcher.Config(8, o),
                        SchedulingPolicy.FIRST_COME_FIRST_SERVED)) {
            List<Collector> collectors = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                Collector c = new Collector();
                collectors.add(c);
                int[] ids = SyntheticPrompts.prompt(SEED, r, prompt, TINY.vocab());
                threads.add(new Thread(() -> s.submit(ids, output, c)));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            for (int r = 0; r < n; r++) {
                LiveScheduler.Completion done = collectors.get(r).done.get(30, TimeUnit.SECONDS);
                assertArrayEquals(want.get(r).generated(), done.outputTokens(), "request " + r);
                assertArrayEquals(want.get(r).generated(), collectors.get(r).tokens(), "request " + r + " streamed");
                assertEquals(prompt, done.promptTokens());
            }
            await(() -> s.stats().running() == 0, "the last request leaves the batch");
            LiveScheduler.Stats st = s.stats();
            assertEquals(n, st.completed());
            assertEquals(n * prompt, st.promptTokens());
            assertEquals(n * output, st.generationTokens());
            assertEquals(n, st.queueTimeCount(), "each request's queue time observed once");
            assertEquals(0, st.kvBlocksUsed());
            assertEquals(24, st.kvBlocksTotal());
            assertEquals(0, st.live());
            // Idle: the scheduler thread waits on its queue and takes no step.
            long steps = st.steps();
            Thread scheduler = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tokenmeter-scheduler")).findFirst().orElseThrow();
            await(() -> scheduler.getState() == Thread.State.WAITING, "the idle scheduler waits");
            assertEquals(steps, s.stats().steps());
        }
    }

    @Test
    void requestsThatCanNeverRunAreRefusedAtSubmission() {
        EngineOptions o = options(2, 32, 16);
        try (Engine engine = backend.load(TINY, o);
                LiveScheduler s = new LiveScheduler(engine, new ContinuousBatcher.Config(8, o),
                        SchedulingPolicy.FIRST_COME_FIRST_SERVED)) {
            Collector c = new Collector();
            LiveScheduler.RefusedException e = assertThrows(LiveScheduler.RefusedException.class,
                    () -> s.submit(new int[30], 3, c));
            assertEquals(LiveScheduler.Refusal.TOO_LONG, e.refusal());
            assertEquals("this model's maximum context length is 32 tokens; the request needs 33 (30 in the prompt,"
                    + " 3 to generate)", e.getMessage());
            assertEquals(LiveScheduler.Refusal.INVALID,
                    assertThrows(LiveScheduler.RefusedException.class, () -> s.submit(new int[0], 3, c)).refusal());
            assertEquals(LiveScheduler.Refusal.INVALID,
                    assertThrows(LiveScheduler.RefusedException.class, () -> s.submit(new int[2], 0, c)).refusal());
            e = assertThrows(LiveScheduler.RefusedException.class, () -> s.submit(new int[] {1, 512}, 2, c));
            assertEquals("token id 512 at prompt position 1 is not in this model's vocabulary [0, 512)",
                    e.getMessage());
            assertEquals(0, s.stats().submitted());
            s.close();
            assertEquals(LiveScheduler.Refusal.CLOSED,
                    assertThrows(LiveScheduler.RefusedException.class, () -> s.submit(new int[2], 2, c)).refusal());
        }
    }

    @Test
    void aCancelledRequestFreesItsSlotAndBlocksForTheNext() throws Exception {
        // One slot: a long request holds it until cancelled; the next one then runs.
        EngineOptions o = options(1, 256, 64);
        try (Engine engine = backend.load(TINY, o);
                LiveScheduler s = new LiveScheduler(engine, new ContinuousBatcher.Config(16, o),
                        SchedulingPolicy.FIRST_COME_FIRST_SERVED)) {
            Collector longOne = new Collector();
            LiveScheduler.Ticket t = s.submit(new int[] {1, 2, 3}, 250, longOne);
            Collector next = new Collector();
            s.submit(new int[] {4, 5}, 3, next);
            assertTrue(longOne.firstToken.await(30, TimeUnit.SECONDS));
            t.cancel();
            t.cancel();
            assertEquals(3, next.done.get(30, TimeUnit.SECONDS).outputTokens().length);
            assertTrue(!longOne.done.isDone(), "a cancelled request hears nothing more");
            assertTrue(longOne.tokens().length < 250);
            await(() -> s.stats().kvBlocksUsed() == 0 && s.stats().running() == 0, "no block held");
            LiveScheduler.Stats st = s.stats();
            assertEquals(1, st.cancelled());
            assertEquals(1, st.completed());
            assertEquals(0, st.waiting());
            assertEquals(0, st.live());
        }
    }

    @Test
    void closingFailsTheRequestsLeftAndStopsTheThread() throws Exception {
        EngineOptions o = options(1, 256, 64);
        try (Engine engine = backend.load(TINY, o)) {
            LiveScheduler s = new LiveScheduler(engine, new ContinuousBatcher.Config(16, o),
                    SchedulingPolicy.FIRST_COME_FIRST_SERVED);
            Collector running = new Collector();
            Collector waiting = new Collector();
            s.submit(new int[] {1, 2, 3}, 250, running);
            s.submit(new int[] {1, 2, 3}, 250, waiting);
            assertTrue(running.firstToken.await(30, TimeUnit.SECONDS));
            s.close();
            for (Collector c : List.of(running, waiting)) {
                Exception e = assertThrows(Exception.class, () -> c.done.get(30, TimeUnit.SECONDS));
                assertEquals("the server is shutting down", e.getCause().getMessage());
            }
            assertTrue(!s.isOpen());
            assertEquals(2, s.stats().failed());
            assertEquals(0, s.stats().live());
        }
    }
}
