package dev.tokenmeter.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paged KV cache: attention through a block table equals attention over a contiguous cache, and the engine
 * gives the same logits whichever blocks (scattered, reused after another sequence) hold a sequence.
 */
class PagedKvCacheTest {
    private static final ModelConfig TINY = ModelPresets.get("tiny");
    private static CpuBackend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void attentionThroughAScrambledBlockTableEqualsTheContiguousOne() {
        SplittableRandom r = new SplittableRandom(5);
        int d = 32;
        int kvDim = 64;
        int bs = 4;
        int context = 37;
        int blocks = 16;
        float[] q = new float[d];
        for (int i = 0; i < d; i++) {
            q[i] = (float) r.nextGaussian();
        }
        float[] keys = new float[context * kvDim];
        float[] values = new float[context * kvDim];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (float) r.nextGaussian();
            values[i] = (float) r.nextGaussian();
        }
        // Blocks scattered, with NaN in every block and row the table does not name.
        int[] table = new int[(context + bs - 1) / bs];
        float[][] kb = new float[blocks][bs * kvDim];
        float[][] vb = new float[blocks][bs * kvDim];
        for (float[] b : kb) {
            java.util.Arrays.fill(b, Float.NaN);
        }
        for (float[] b : vb) {
            java.util.Arrays.fill(b, Float.NaN);
        }
        for (int i = 0; i < table.length; i++) {
            table[i] = (7 * i + 3) % blocks;  // distinct: 7 and 16 are coprime
        }
        for (int j = 0; j < context; j++) {
            System.arraycopy(keys, j * kvDim, kb[table[j / bs]], (j % bs) * kvDim, kvDim);
            System.arraycopy(values, j * kvDim, vb[table[j / bs]], (j % bs) * kvDim, kvDim);
        }
        float[] want = new float[d];
        float[] got = new float[d];
        float[] gotVector = new float[d];
        CpuOps.attendHead(q, 0, keys, values, kvDim, d, d, context, new float[context], want, 0);
        CpuOps.attendHead(q, 0, kb, vb, table, bs, kvDim, d, d, context, new float[context], got, 0);
        assertArrayEquals(want, got, "scalar, paged against contiguous (same order of operations: bit for bit)");
        if (VectorSupport.available()) {
            float[] wantVector = new float[d];
            VectorAttention.attendHead(q, 0, keys, values, kvDim, d, d, context, new float[context], wantVector, 0);
            VectorAttention.attendHead(q, 0, kb, vb, table, bs, kvDim, d, d, context, new float[context], gotVector,
                    0);
            assertArrayEquals(wantVector, gotVector, "vector, paged against contiguous");
        }
    }

    @Test
    void theSameSequenceInOtherBlocksGivesTheSameLogits() {
        int[] prompt = SyntheticPrompts.prompt(42, 0, 21, TINY.vocab());
        EngineOptions own = EngineOptions.of(42, 2, 48);
        EngineOptions paged = EngineOptions.paged(42, 2, 48, 4, 40);
        try (Engine a = backend.load(TINY, own); Engine b = backend.load(TINY, paged)) {
            // In b, slot 1 first fills blocks that slot 0 then reuses: stale rows must never be read.
            int[] other = SyntheticPrompts.prompt(42, 9, 40, TINY.vocab());
            int[] otherTable = new int[10];
            for (int i = 0; i < 10; i++) {
                otherTable[i] = 3 * i + 1;
            }
            b.step(StepBatch.of(List.of(new SequenceChunk(1, 0, other, otherTable))));
            int[] table = {31, 4, 22, 1, 7, 39, 13, 2, 0, 10, 16, 19};
            List<float[]> la = new ArrayList<>();
            List<float[]> lb = new ArrayList<>();
            StepResult ra = a.step(new StepBatch(List.of(new SequenceChunk(0, 0, prompt)), true));
            StepResult rb = b.step(new StepBatch(List.of(new SequenceChunk(0, 0, prompt, table)), true));
            la.add(ra.logits()[0]);
            lb.add(rb.logits()[0]);
            int pos = prompt.length;
            int next = ra.nextTokens()[0];
            for (int s = 0; s < 6; s++) {
                ra = a.step(new StepBatch(List.of(new SequenceChunk(0, pos, new int[] {next})), true));
                rb = b.step(new StepBatch(List.of(new SequenceChunk(0, pos, new int[] {next}, table)), true));
                la.add(ra.logits()[0]);
                lb.add(rb.logits()[0]);
                assertEquals(ra.nextTokens()[0], rb.nextTokens()[0]);
                next = ra.nextTokens()[0];
                pos++;
            }
            for (int i = 0; i < la.size(); i++) {
                assertArrayEquals(la.get(i), lb.get(i), "logits of step " + i);
            }
        }
    }

    @Test
    void blockTablesAreChecked() {
        EngineOptions paged = EngineOptions.paged(42, 2, 48, 4, 10);
        try (Engine e = backend.load(TINY, paged)) {
            IllegalArgumentException shortTable = assertThrows(IllegalArgumentException.class,
                    () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, new int[9], new int[] {0, 1})))));
            assertTrue(shortTable.getMessage().contains("block table has 2 blocks but positions up to 8 need 3"),
                    shortTable.getMessage());
            IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                    () -> e.step(StepBatch.of(List.of(new SequenceChunk(0, 0, new int[3], new int[] {10})))));
            assertTrue(outside.getMessage().contains("block table entry 0 must be in [0, 10), got 10"),
                    outside.getMessage());
            IllegalArgumentException noOwn = assertThrows(IllegalArgumentException.class,
                    () -> e.step(StepBatch.of(List.of(new SequenceChunk(1, 0, new int[3])))));
            assertTrue(noOwn.getMessage().contains("slot 1 has no blocks of its own"), noOwn.getMessage());
        }
    }
}
