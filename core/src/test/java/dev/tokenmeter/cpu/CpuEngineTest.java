package dev.tokenmeter.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.InsufficientMemoryException;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.WeightDtype;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** DESIGN's conformance for the CPU engine, and its contract: batch independence, slot reuse, input checks. */
class CpuEngineTest {
    private static final long SEED = 42;
    private static final ModelConfig TINY = ModelPresets.get("tiny");
    private static final int[] PROMPT_0 = {181, 329, 125, 292, 52, 129, 472, 89};
    private static final int[] CONTINUATION_0 = {108, 242, 163, 108, 242, 163, 97, 215};

    private static CpuBackend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    private static Engine tiny(int slots, int context) {
        return backend.load(TINY, EngineOptions.of(SEED, slots, context));
    }

    @Test
    void conformanceTokensThroughGreedyGeneration() {
        try (Engine e = tiny(1, 16)) {
            GreedyGeneration.Output out = GreedyGeneration.run(e, SEED, 1, 8, 8).get(0);
            assertArrayEquals(PROMPT_0, out.prompt());
            assertArrayEquals(CONTINUATION_0, out.generated());
            assertEquals(TINY.vocab(), out.finalLogits().length);
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                    () -> GreedyGeneration.run(e, SEED, 2, 8, 8));
            assertTrue(tooMany.getMessage().contains("requests"), tooMany.getMessage());
        }
    }

    /** Prefill in one step, then one decode step per token, written here without GreedyGeneration. */
    static int[] generate(Engine e, int slot, int[] prompt, int count) {
        int[] out = new int[count];
        StepResult r = e.step(StepBatch.of(List.of(new SequenceChunk(slot, 0, prompt))));
        out[0] = r.nextTokens()[0];
        for (int i = 1; i < count; i++) {
            r = e.step(StepBatch.of(List.of(new SequenceChunk(slot, prompt.length + i - 1, new int[] {out[i - 1]}))));
            out[i] = r.nextTokens()[0];
        }
        return out;
    }

    @Test
    void conformanceTokensThroughOwnStepLoopWithBothKernels() {
        assertArrayEquals(PROMPT_0, SyntheticPrompts.prompt(SEED, 0, 8, TINY.vocab()));
        try (Engine e = tiny(2, 16)) {
            assertArrayEquals(CONTINUATION_0, generate(e, 1, PROMPT_0, 8), "backend's kernel, slot 1");
        }
        // DESIGN: "greedy decoding (fp32 or better)" gives these tokens; the scalar kernel is fp32 too.
        try (Parallel p = new Parallel(1);
                CpuEngine e = new CpuEngine(TINY, EngineOptions.of(SEED, 1, 16), p, new ScalarMatMul())) {
            assertArrayEquals(CONTINUATION_0, generate(e, 0, PROMPT_0, 8), "scalar kernel, one thread");
        }
    }

    @Test
    void tokensDoNotDependOnTheBatch() {
        int prompt = 8;
        int output = 6;
        List<GreedyGeneration.Output> together;
        try (Engine e = tiny(4, prompt + output)) {
            together = GreedyGeneration.run(e, SEED, 4, prompt, output);
        }
        assertArrayEquals(Arrays.copyOf(CONTINUATION_0, output), together.get(0).generated());
        for (int r = 0; r < 4; r++) {
            try (Engine e = tiny(1, prompt + output)) {
                int[] alone = generate(e, 0, SyntheticPrompts.prompt(SEED, r, prompt, TINY.vocab()), output);
                assertArrayEquals(alone, together.get(r).generated(), "request " + r + " alone vs in a batch of 4");
            }
        }
    }

    @Test
    void aReusedSlotForgetsItsPreviousSequence() {
        int[] other = SyntheticPrompts.prompt(SEED, 3, 20, TINY.vocab());
        try (Engine used = tiny(2, 32)) {
            // Fill slot 0 well past the new prompt's length, then start request 0 over at position 0.
            generate(used, 0, other, 10);
            assertArrayEquals(CONTINUATION_0, generate(used, 0, PROMPT_0, 8), "slot 0 after a 30-token sequence");
            // And in a mixed step beside another slot that is mid-sequence.
            generate(used, 1, other, 3);
            StepResult r = used.step(StepBatch.of(List.of(new SequenceChunk(1, 22, new int[] {5}),
                    new SequenceChunk(0, 0, PROMPT_0))));
            assertEquals(CONTINUATION_0[0], r.nextTokens()[1]);
        }
    }

    @Test
    void stepReturnsLogitsOnlyWhenAskedAndTimesItself() {
        try (Engine e = tiny(1, 16)) {
            StepResult plain = e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, PROMPT_0))));
            assertNull(plain.logits());
            assertTrue(plain.deviceNanos() > 0, "device time " + plain.deviceNanos());
            StepResult withLogits = e.step(new StepBatch(List.of(new SequenceChunk(0, 0, PROMPT_0)), true));
            assertEquals(1, withLogits.logits().length);
            assertEquals(TINY.vocab(), withLogits.logits()[0].length);
            assertEquals(CONTINUATION_0[0], withLogits.nextTokens()[0]);
        }
    }

    // ---- input checks ----

    private static void assertRefused(String field, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(field), "message should name '" + field + "': " + e.getMessage());
    }

    @Test
    void badStepsAreRefusedNamingTheField() {
        try (Engine e = tiny(2, 16)) {
            assertRefused("slot", () -> e.step(StepBatch.of(List.of(new SequenceChunk(2, 0, new int[] {1})))));
            assertRefused("slot", () -> e.step(StepBatch.of(List.of(new SequenceChunk(-1, 0, new int[] {1})))));
            assertRefused("context of 16",
                    () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 10, new int[] {1, 2, 3, 4, 5, 6, 7})))));
            assertRefused("context of 16",
                    () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 16, new int[] {1})))));
            assertRefused("token id", () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, new int[] {1, 512})))));
            assertRefused("token id", () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, new int[] {-1})))));
            assertRefused("appears twice", () -> e.step(StepBatch.of(List.of(new SequenceChunk(1, 0, new int[] {1}),
                    new SequenceChunk(1, 1, new int[] {2})))));
            assertRefused("startPosition", () -> new SequenceChunk(0, -1, new int[] {1}));
            assertRefused("at least one token", () -> new SequenceChunk(0, 0, new int[0]));
            assertRefused("at least one sequence", () -> StepBatch.of(List.of()));
            // The chunk at fault is named by its index in the step.
            assertRefused("chunk 1", () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, new int[] {1}),
                    new SequenceChunk(1, 0, new int[] {9999})))));
            // The last position of the context is fine, and a refused step changed nothing.
            e.step(StepBatch.of(List.of(new SequenceChunk(0, 15, new int[] {1}))));
            assertArrayEquals(CONTINUATION_0, generate(e, 0, PROMPT_0, 8));
        }
    }

    /**
     * startPosition + length computed in int wraps to a negative end for a start near Integer.MAX_VALUE, which
     * then passes the "end <= maxContext" check; the step must still be refused with the context message, not
     * fail with an index error inside a worker.
     */
    @Test
    void positionsNearIntegerMaxAreRefusedToo() {
        try (Engine e = tiny(1, 16)) {
            assertRefused("context of 16", () -> e.step(StepBatch.of(List.of(
                    new SequenceChunk(0, Integer.MAX_VALUE, new int[] {1})))));
            assertRefused("context of 16", () -> e.step(StepBatch.of(List.of(
                    new SequenceChunk(0, Integer.MAX_VALUE - 1, new int[] {1, 2, 3})))));
        }
    }

    @Test
    void aClosedEngineRefusesSteps() {
        Engine e = tiny(1, 8);
        e.close();
        assertThrows(IllegalStateException.class,
                () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, new int[] {1})))));
    }

    // ---- memory and dtype ----

    @Test
    void aModelThatCannotFitIsRefusedBeforeAllocating() {
        ModelConfig big = ModelPresets.get("llama-3.1-70b");
        EngineOptions options = EngineOptions.of(SEED, 1, 128);
        MemoryPlan plan = backend.plan(big, options);
        assertFalse(plan.fits(), plan.describe());
        // 70.6e9 parameters at 2 bytes: about 131 GiB of weights, far past any test JVM's heap.
        assertTrue(plan.weightBytes() > 130L << 30, plan.describe());
        assertTrue(plan.availableBytes() <= Runtime.getRuntime().maxMemory(), plan.describe());
        // Generating 140 GB of weights would take minutes; a refusal before allocating takes milliseconds.
        InsufficientMemoryException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(InsufficientMemoryException.class, () -> backend.load(big, options)));
        assertTrue(e.getMessage().contains("GiB"), e.getMessage());
        assertTrue(e.getMessage().contains("llama-3.1-70b"), e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*\\d+\\.\\d\\d GiB.*"), e.getMessage());
        assertEquals(plan.weightBytes(), e.plan().weightBytes());
    }

    @Test
    void planCountsWhatTheEngineHolds() {
        EngineOptions options = EngineOptions.of(SEED, 4, 64);
        MemoryPlan plan = backend.plan(TINY, options);
        assertTrue(plan.fits(), plan.describe());
        // bf16 linear maps and embedding, fp32 norms: tiny has 491,904 bf16 weights (embedding and LM head
        // 2 · 512 · 128, per layer 2 · 128 · 128 + 2 · 128 · 64 + 3 · 128 · 384) and 5 norms of 128 floats.
        long bf16 = 2L * 512 * 128 + 2L * (2 * 128 * 128 + 2 * 128 * 64 + 3 * 128 * 384);
        assertEquals(bf16 * 2 + 5L * 128 * 4, plan.weightBytes());
        // fp32 keys and values: 2 · layers · kvDim · 4 bytes per position, 4 slots of 64.
        assertEquals(2L * 2 * 64 * 4 * 4 * 64, plan.kvCacheBytes());
    }

    @Test
    void fp32WeightsAreRefused() {
        ModelConfig fp32 = TINY.withWeightDtype(WeightDtype.FP32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.load(fp32, EngineOptions.of(SEED, 1, 8)));
        assertTrue(e.getMessage().contains("fp32") && e.getMessage().contains("bf16"), e.getMessage());
    }

    @Test
    void backendDescribesItself() {
        assertEquals("cpu", backend.name());
        assertEquals(4, backend.kvBytesPerElement());
        CpuBackendProvider provider = new CpuBackendProvider();
        assertEquals("cpu", provider.name());
        assertTrue(provider.availability().usable());
        assertThrows(IllegalArgumentException.class, () -> new CpuBackend(-1));
        List<String> names = new ArrayList<>(dev.tokenmeter.backend.Backends.names());
        assertTrue(names.contains("cpu"), names.toString());
    }
}
