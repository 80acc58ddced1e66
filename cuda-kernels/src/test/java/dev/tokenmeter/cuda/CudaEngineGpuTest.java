package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.backend.InsufficientMemoryException;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA backend on a GPU: every kernel against its CPU operation and the whole forward against the CPU engine
 * ({@link KernelChecks}, the checks {@code tokenmeter verify} runs), then the engine's own behaviour. Skips each
 * test, with the probe's reason, where no usable GPU is found.
 */
@Tag("gpu")
class CudaEngineGpuTest {
    private static CudaBackend backend;

    @BeforeAll
    static void open() {
        if (CudaProbe.result().ready()) {
            backend = (CudaBackend) new CudaBackendProvider().open();
        }
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void needsAGpu() {
        CudaProbe.Result probe = CudaProbe.result();
        assumeTrue(probe.ready(), () -> "no GPU to run the CUDA engine on: " + probe.reason());
    }

    @TestFactory
    Stream<DynamicTest> everyKernelAndTheForwardMatchTheCpu() {
        CudaProbe.Result probe = CudaProbe.result();
        assumeTrue(probe.ready(), () -> "no GPU to run the kernel checks on: " + probe.reason());
        List<KernelChecks.Check> checks = KernelChecks.runAll(backend, c -> System.out.println(c.line()));
        assertFalse(checks.isEmpty());
        return checks.stream().map(c -> DynamicTest.dynamicTest(c.name() + ": " + c.shape(),
                () -> assertTrue(c.passed(), c.line())));
    }

    @Test
    void theSameStepTwiceGivesTheSameTokens() {
        ModelConfig m = ModelPresets.get("tiny");
        EngineOptions o = EngineOptions.of(42, 2, 64);
        int[][] runs = new int[2][];
        for (int run = 0; run < 2; run++) {
            try (Engine e = backend.load(m, o)) {
                List<SequenceChunk> chunks = List.of(new SequenceChunk(0, 0, SyntheticPrompts.prompt(42, 0, 8, 512)),
                        new SequenceChunk(1, 0, SyntheticPrompts.prompt(42, 1, 20, 512)));
                StepResult r = e.step(StepBatch.of(chunks));
                List<Integer> tokens = new ArrayList<>();
                int[] next = r.nextTokens();
                int[] pos = {8, 20};
                for (int s = 0; s < 10; s++) {
                    tokens.add(next[0]);
                    tokens.add(next[1]);
                    r = e.step(StepBatch.of(List.of(new SequenceChunk(0, pos[0]++, new int[] {next[0]}),
                            new SequenceChunk(1, pos[1]++, new int[] {next[1]}))));
                    assertTrue(r.deviceNanos() > 0, "device time from CUDA events");
                    next = r.nextTokens();
                }
                runs[run] = tokens.stream().mapToInt(Integer::intValue).toArray();
            }
        }
        assertArrayEquals(runs[0], runs[1], "greedy tokens of two identical runs");
    }

    @Test
    void aSequenceInScatteredBlocksGivesTheLogitsOfItsOwnRun() {
        ModelConfig m = ModelPresets.get("tiny");
        int[] prompt = SyntheticPrompts.prompt(42, 0, 21, m.vocab());
        int[] table = {31, 4, 22, 1, 7, 39, 13, 2, 0, 10, 16, 19};
        try (Engine own = backend.load(m, EngineOptions.of(42, 2, 48));
                Engine paged = backend.load(m, EngineOptions.paged(42, 2, 48, 4, 40))) {
            // Slot 1 first writes blocks that slot 0 then reuses: stale rows must never be read.
            int[] other = SyntheticPrompts.prompt(42, 9, 40, m.vocab());
            int[] otherTable = new int[10];
            for (int i = 0; i < 10; i++) {
                otherTable[i] = 3 * i + 1;
            }
            paged.step(StepBatch.of(List.of(new SequenceChunk(1, 0, other, otherTable))));
            StepResult a = own.step(new StepBatch(List.of(new SequenceChunk(0, 0, prompt)), true));
            StepResult b = paged.step(new StepBatch(List.of(new SequenceChunk(0, 0, prompt, table)), true));
            int pos = prompt.length;
            for (int s = 0; s < 6; s++) {
                float[] la = a.logits()[0];
                float[] lb = b.logits()[0];
                for (int i = 0; i < la.length; i++) {
                    assertTrue(Math.abs(la[i] - lb[i]) <= 1e-6f * Math.max(1f, Math.abs(la[i])), "step " + s
                            + " logit " + i + ": " + la[i] + " vs " + lb[i]);
                }
                int next = a.nextTokens()[0];
                a = own.step(new StepBatch(List.of(new SequenceChunk(0, pos, new int[] {next})), true));
                b = paged.step(new StepBatch(List.of(new SequenceChunk(0, pos, new int[] {next}, table)), true));
                pos++;
            }
        }
    }

    @Test
    void aModelTooLargeIsRefusedBeforeAllocatingWithTheFigures() {
        ModelConfig m = ModelPresets.get("llama-3.1-70b");
        EngineOptions o = EngineOptions.of(42, 64, 8192);
        MemoryPlan plan = backend.plan(m, o);
        assertFalse(plan.fits());
        long free = backend.freeBytes();
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class, () -> backend.load(m, o));
        assertTrue(e.getMessage().contains("GiB"), e.getMessage());
        assertTrue(Math.abs(backend.freeBytes() - free) < (64L << 20), "nothing was allocated");
    }

    @Test
    void deviceFactsAndMeasuredCeilings() {
        var d = backend.device();
        assertTrue(d.measured().memoryBandwidth() > 1e11, d.measured().toString());
        assertTrue(d.measured().flops() > 1e13, d.measured().toString());
        if (d.datasheet() != null) {
            // A measured ceiling above the vendor's peak would be a timing bug.
            assertTrue(d.measured().memoryBandwidth() <= d.datasheet().memoryBandwidth() * 1.02, d.toString());
            assertTrue(d.measured().flops() <= d.datasheet().flops() * 1.02, d.toString());
        }
        System.out.println(d);
    }
}
