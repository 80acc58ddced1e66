package dev.tokenmeter.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The continuous-batching scheduler on a scripted clock: admission, chunked prefill, preemption, no leaks. */
class ContinuousBatcherTest {
    private static final ModelConfig TINY = ModelPresets.get("tiny");

    /**
     * An engine that computes nothing: its next token is a function of the sequence's last position, and it checks
     * what a real engine could not survive: chunks of one step sharing a KV block, tables that are too short.
     */
    static final class FakeEngine implements Engine {
        final EngineOptions options;
        final List<StepBatch> steps = new ArrayList<>();

        FakeEngine(EngineOptions options) {
            this.options = options;
        }

        @Override
        public ModelConfig model() {
            return TINY;
        }

        @Override
        public EngineOptions options() {
            return options;
        }

        @Override
        public int kvBytesPerElement() {
            return 4;
        }

        @Override
        public StepResult step(StepBatch batch) {
            batch.validate(TINY.vocab(), options);
            BitSet blocks = new BitSet();
            int[] next = new int[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                SequenceChunk c = batch.chunks().get(i);
                int used = (int) ((c.endPosition() + options.kvBlockSize() - 1) / options.kvBlockSize());
                for (int b = 0; b < used; b++) {
                    int block = c.blockTable()[b];
                    assertTrue(!blocks.get(block), "block " + block + " held by two sequences in one step");
                    blocks.set(block);
                }
                next[i] = (int) (c.endPosition() % TINY.vocab());
            }
            steps.add(batch);
            return new StepResult(next, null, 0);
        }

        @Override
        public void close() {
        }
    }

    private static List<Arrival> arrivals(int n, double gapSeconds, int prompt, int output) {
        List<Arrival> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Arrival(i, i * gapSeconds, prompt, output));
        }
        return list;
    }

    @Test
    void admitsInArrivalOrderWhileSlotsLast() {
        EngineOptions o = EngineOptions.paged(1, 2, 64, 4, 64);
        FakeEngine engine = new FakeEngine(o);
        ServingLoop.Outcome out = ServingLoop.openLoop(engine, arrivals(5, 0, 6, 3),
                new ContinuousBatcher.Config(1000, o), SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                new ServingLoop.ScriptedClock(1_000_000, 0), 42, Long.MAX_VALUE, null);
        // Two slots: requests 0 and 1 prefill together, decode twice, leave; then 2 and 3; then 4.
        assertEquals(List.of(0, 1), slotsAndIds(engine.steps.get(0)));
        assertEquals(5, out.finished().size());
        List<Integer> order = out.finished().stream().map(r -> r.arrival().id()).toList();
        assertEquals(List.of(0, 1, 2, 3, 4), order);
        // Each pair takes 3 steps (prefill, then 2 decodes): request 4 starts at step 7 and ends after step 9.
        assertEquals(9, out.steps());
        RequestRecord last = out.finished().get(4);
        assertArrayEquals(new long[] {7_000_000, 8_000_000, 9_000_000}, last.tokenNanos());
        assertEquals(0, last.arrivalNanos(), "its clock started at its arrival: 6 ms of queueing count in TTFT");
        // Admitted when its step began, after the two pairs before it had left: the queueing is visible.
        assertEquals(6_000_000, last.admittedNanos());
        assertEquals(List.of(0L, 0L, 3_000_000L, 3_000_000L, 6_000_000L),
                out.finished().stream().map(RequestRecord::admittedNanos).toList());
        assertEquals(5, out.peakInFlight(), "all five arrived at once, before any finished");
    }

    @Test
    void theWarmUpRampGoesThroughEveryDecodeBatchSize() {
        EngineOptions o = EngineOptions.paged(1, 8, 16, 4, 32);
        FakeEngine engine = new FakeEngine(o);
        List<Arrival> ramp = ServingLoop.batchSizeRamp(8, 16);
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9), ramp.stream().map(Arrival::outputLength).toList());
        ServingLoop.Outcome out = ServingLoop.closedLoop(engine, ramp, 8, new ContinuousBatcher.Config(2048, o),
                SchedulingPolicy.FIRST_COME_FIRST_SERVED, new ServingLoop.ScriptedClock(1_000_000, 0), 42,
                Long.MAX_VALUE, null);
        assertEquals(8, out.finished().size());
        // Step 1 takes the eight one-token prompts; then decode steps of 8, 7, ..., 1 sequences.
        assertEquals(List.of(8, 8, 7, 6, 5, 4, 3, 2, 1), engine.steps.stream().map(StepBatch::size).toList());
        // A short context caps the outputs: the smallest batch sizes are then skipped, never an overflow.
        assertEquals(List.of(2, 3, 4, 4), ServingLoop.batchSizeRamp(4, 5).stream().map(Arrival::outputLength)
                .toList());
        assertThrows(IllegalArgumentException.class, () -> ServingLoop.batchSizeRamp(0, 16));
    }

    private static List<Integer> slotsAndIds(StepBatch b) {
        return b.chunks().stream().map(SequenceChunk::slot).toList();
    }

    @Test
    void longPromptsAreChunkedWithinTheBudgetWhileOthersDecode() {
        EngineOptions o = EngineOptions.paged(1, 4, 128, 4, 128);
        FakeEngine engine = new FakeEngine(o);
        List<Arrival> arrivals = List.of(new Arrival(0, 0, 5, 20), new Arrival(1, 0.0025, 70, 2));
        ServingLoop.Outcome out = ServingLoop.openLoop(engine, arrivals, new ContinuousBatcher.Config(16, o),
                SchedulingPolicy.FIRST_COME_FIRST_SERVED, new ServingLoop.ScriptedClock(1_000_000, 0), 42,
                Long.MAX_VALUE, null);
        assertEquals(2, out.finished().size());
        int prompt1Fed = 0;
        for (StepBatch s : engine.steps) {
            assertTrue(s.tokenCount() <= 16, "a step of " + s.tokenCount() + " tokens over the budget of 16");
            for (SequenceChunk c : s.chunks()) {
                if (c.slot() == 1 && c.startPosition() < 70) {
                    prompt1Fed += c.length();
                }
            }
        }
        assertEquals(70, prompt1Fed, "request 1's prompt fed exactly once, in chunks");
        // While request 1's prompt was being chunked (steps 3 to 7), request 0 decoded at every step.
        for (int i = 3; i < 8; i++) {
            StepBatch s = engine.steps.get(i);
            assertTrue(s.chunks().stream().anyMatch(c -> c.slot() == 0 && c.length() == 1), "step " + i + ": " + s);
            assertTrue(s.chunks().stream().anyMatch(c -> c.slot() == 1 && c.length() > 1), "step " + i + ": " + s);
        }
    }

    @Test
    void preemptedRequestsResumeWithTheTokensOfAnUninterruptedRun() {
        // A cache of 12 blocks of 4 positions: one request of the full 48-position context, and no more; eight
        // requests of 20 to 30 prompt tokens and 14 output tokens, all at once, must take turns and be preempted.
        EngineOptions tight = EngineOptions.paged(42, 4, 48, 4, 12);
        EngineOptions roomy = EngineOptions.paged(42, 8, 48, 4, 96);
        SplittableRandom r = new SplittableRandom(3);
        List<Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            arrivals.add(new Arrival(i, 0, 20 + r.nextInt(11), 14));
        }
        try (CpuBackend backend = new CpuBackend(2); Engine a = backend.load(TINY, tight);
                Engine b = backend.load(TINY, roomy)) {
            ServingLoop.Outcome preempted = ServingLoop.openLoop(a, arrivals, new ContinuousBatcher.Config(24, tight),
                    SchedulingPolicy.FIRST_COME_FIRST_SERVED, new ServingLoop.ScriptedClock(1000, 10), 42,
                    Long.MAX_VALUE, null);
            ServingLoop.Outcome alone = ServingLoop.openLoop(b, arrivals, new ContinuousBatcher.Config(4096, roomy),
                    SchedulingPolicy.FIRST_COME_FIRST_SERVED, new ServingLoop.ScriptedClock(1000, 10), 42,
                    Long.MAX_VALUE, null);
            assertTrue(preempted.preemptions() > 0, "the tight cache must force preemptions");
            assertEquals(0, alone.preemptions());
            Map<Integer, int[]> want = tokens(b, alone);
            Map<Integer, int[]> got = tokens(a, preempted);
            for (int id = 0; id < 8; id++) {
                assertArrayEquals(want.get(id), got.get(id), "request " + id);
            }
            // And the uninterrupted tokens are those of a plain greedy run of each request alone.
            try (Engine c = backend.load(TINY, EngineOptions.of(42, 1, 48))) {
                Arrival a0 = arrivals.get(0);
                int[] greedy = dev.tokenmeter.engine.GreedyGeneration.run(c, 42, 1, a0.promptLength(), 14).get(0)
                        .generated();
                assertArrayEquals(greedy, want.get(0));
            }
        }
    }

    /** Output tokens per request id. */
    private static Map<Integer, int[]> tokens(Engine engine, ServingLoop.Outcome out) {
        Map<Integer, int[]> m = new HashMap<>();
        for (RequestRecord rec : out.finished()) {
            m.put(rec.arrival().id(), rec.outputTokens());
        }
        return m;
    }

    @Test
    void noBlockOrSlotLeaksAfterThousandsOfRequests() {
        EngineOptions o = EngineOptions.paged(1, 16, 96, 8, 40);
        FakeEngine engine = new FakeEngine(o);
        SplittableRandom r = new SplittableRandom(11);
        List<Arrival> arrivals = new ArrayList<>();
        double t = 0;
        for (int i = 0; i < 3000; i++) {
            t += r.nextDouble() * 0.002;
            arrivals.add(new Arrival(i, t, 1 + r.nextInt(60), 1 + r.nextInt(30)));
        }
        ContinuousBatcher.Config config = new ContinuousBatcher.Config(64, o);
        ServingLoop.Outcome out = ServingLoop.openLoop(engine, arrivals, config,
                SchedulingPolicy.FIRST_COME_FIRST_SERVED, new ServingLoop.ScriptedClock(1_000_000, 1000), 1,
                Long.MAX_VALUE, null);
        assertEquals(3000, out.finished().size());
        assertTrue(out.unfinished().isEmpty());
        assertTrue(out.preemptions() > 0, "the small cache should have preempted some requests");
        for (RequestRecord rec : out.finished()) {
            assertEquals(rec.arrival().outputLength(), rec.tokenNanos().length);
        }
        // The batcher is gone with the run; a fresh one over the same steps must end empty: re-run and inspect.
        ContinuousBatcher batcher = new ContinuousBatcher(config, SchedulingPolicy.FIRST_COME_FIRST_SERVED);
        for (Arrival a : arrivals.subList(0, 500)) {
            batcher.arrive(a, 0, new int[a.promptLength()]);
        }
        StepBatch s;
        while ((s = batcher.nextStep(0)) != null) {
            batcher.complete(engine.step(s), 0);
        }
        assertEquals(500, batcher.finished().size());
        assertEquals(o.kvBlocks(), batcher.pool().free(), "every KV block back in the pool");
        assertEquals(o.maxSequences(), batcher.freeSlots(), "every slot free");
    }

    @Test
    void requestsLongerThanTheContextAreRefused() {
        EngineOptions o = EngineOptions.paged(1, 2, 32, 4, 8);
        ContinuousBatcher b = new ContinuousBatcher(new ContinuousBatcher.Config(16, o),
                SchedulingPolicy.FIRST_COME_FIRST_SERVED);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.arrive(new Arrival(0, 0, 30, 3), 0, new int[30]));
        assertTrue(e.getMessage().contains("needs 30 + 3 positions; the engine's context is 32"), e.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> new ContinuousBatcher.Config(16, EngineOptions.paged(1, 2, 32, 4, 7)));
        assertTrue(small.getMessage().contains("cannot hold one request of the full context"), small.getMessage());
    }

    @Test
    void aCancelledRequestGivesBackItsSlotAndBlocksAtOnce() {
        EngineOptions o = EngineOptions.paged(1, 2, 64, 4, 32);
        FakeEngine engine = new FakeEngine(o);
        ContinuousBatcher b = new ContinuousBatcher(new ContinuousBatcher.Config(1000, o),
                SchedulingPolicy.FIRST_COME_FIRST_SERVED);
        ServingSequence s0 = b.arrive(new Arrival(0, 0, 10, 20), 0, new int[10]);
        ServingSequence s1 = b.arrive(new Arrival(1, 0, 10, 20), 0, new int[10]);
        ServingSequence s2 = b.arrive(new Arrival(2, 0, 10, 20), 0, new int[10]);
        StepBatch step = b.nextStep(0);
        assertThrows(IllegalStateException.class, () -> b.cancel(s0), "not while a step is in flight");
        b.complete(engine.step(step), 1);
        assertEquals(2, b.runningCount());
        assertEquals(1, b.waitingCount());
        assertEquals(6, b.usedBlocks(), "two prompts of 10 (and their first token) in blocks of 4");
        assertTrue(b.cancel(s2), "a waiting request");
        assertTrue(b.cancel(s0), "a running request");
        assertEquals(3, b.usedBlocks());
        assertEquals(1, b.freeSlots());
        assertTrue(!b.cancel(s0), "already gone");
        while (!b.idle()) {
            b.complete(engine.step(b.nextStep(0)), 1);
        }
        assertEquals(0, b.usedBlocks());
        assertEquals(2, b.freeSlots());
        List<RequestRecord> done = b.drainFinished();
        assertEquals(List.of(1), done.stream().map(r -> r.arrival().id()).toList(), "only s1 finished");
        assertEquals(20, s1.generated());
        assertTrue(b.finished().isEmpty(), "drained");
    }
}
