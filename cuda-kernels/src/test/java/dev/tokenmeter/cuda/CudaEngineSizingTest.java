package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's sizing arithmetic (passes, step metadata, arena regions), computed without a GPU. */
class CudaEngineSizingTest {
    private static final CudaOps H100 = new CudaOps(null, 132);

    @Test
    void passTokens() {
        // A whole step of 64 sequences x 1152 positions is cut into passes of the limit.
        assertEquals(8192, EngineLayout.passTokens(EngineOptions.of(1, 64, 1152), CudaEngine.PASS_TOKENS));
        // Fewer tokens than the limit can ever be in a step: the pass holds them all.
        assertEquals(96, EngineLayout.passTokens(EngineOptions.of(1, 1, 96), CudaEngine.PASS_TOKENS));
        assertEquals(32, EngineLayout.passTokens(EngineOptions.of(1, 4, 8), CudaEngine.PASS_TOKENS));
        assertEquals(64, EngineLayout.passTokens(EngineOptions.of(1, 2, 160), 64));
        // A decode step (one token per sequence) always fits in one pass, whatever the limit.
        assertEquals(64, EngineLayout.passTokens(EngineOptions.of(1, 64, 1152), 16));
        // No int overflow for the largest shapes.
        assertEquals(8192, EngineLayout.passTokens(EngineOptions.of(1, 1024, 1 << 22), CudaEngine.PASS_TOKENS));
    }

    @Test
    void metaLaysTheArraysEndToEnd() {
        int p = 8192;
        int s = 64;
        int perSeq = 72;
        EngineLayout.Meta m = EngineLayout.Meta.of(p, s, perSeq);
        assertEquals(new EngineLayout.Meta(0, p, 2 * p, 3 * p, 3 * p + s, 3 * p + 2 * s, 3 * p + 3 * s, 3 * p + 4 * s,
                3 * p + 5 * s, 3 * p + 6 * s, 3 * p + 6 * s + s * perSeq), m);
        // Per-token arrays are passTokens long, per-sequence arrays maxSequences long, then a block table per slot;
        // none overlapping.
        int[] starts = {m.tokens(), m.positions(), m.slots(), m.seqStart(), m.seqLen(), m.seqPos(), m.seqSlot(),
            m.ctxLen(), m.lastRows(), m.blockTables()};
        int[] lengths = {p, p, p, s, s, s, s, s, s, s * perSeq};
        int end = 0;
        for (int i = 0; i < starts.length; i++) {
            assertEquals(end, starts[i], "array " + i);
            end += lengths[i];
        }
        assertEquals(end, m.ints());
    }

    @Test
    void llama31_8bAt64SequencesOf1152() {
        ModelConfig c = ModelPresets.get("llama-3.1-8b");
        EngineOptions o = EngineOptions.of(1, 64, 1152);
        long[] r = EngineLayout.regionBytes(c, o, H100, CudaEngine.PASS_TOKENS);
        assertEquals(3, r.length);
        long weightBytes = c.accounting().weightBytes();
        // Every tensor rounded up to 256 bytes: embedding, LM head, final norm, and six per layer.
        long tensors = 3 + 6L * c.layers();
        assertTrue(r[0] >= weightBytes, r[0] + " < " + weightBytes);
        assertTrue(r[0] < weightBytes + tensors * Arena.ALIGN, r[0] + " vs " + weightBytes);
        // Keys and values, per layer: 64 slots x 1152 positions x 1024 (8 kv heads x 128) x 2 bytes, aligned.
        long perLayer = 64L * 1152 * c.kvDim() * 2;
        assertEquals(1024, c.kvDim());
        assertEquals(2L * c.layers() * Arena.aligned(perLayer), r[1]);
        assertEquals(9_663_676_416L, r[1]);
        assertEquals(c.accounting().kvBytesPerToken(CudaEngine.KV_BYTES) * 64 * 1152, r[1]);
        // Work: at least the residual stream and the gate|up product of a full pass (fp32).
        int pass = EngineLayout.passTokens(o, CudaEngine.PASS_TOKENS);
        assertTrue(r[2] > (long) pass * c.hidden() * 4 + (long) pass * 2 * c.ffn() * 4, "work " + r[2]);
    }

    @Test
    void kvRegionsAreAlignedPerLayer() {
        ModelConfig tiny = ModelPresets.get("tiny");
        // A paged cache of 5 blocks of 3 positions: 15 positions x 64 (2 kv heads x 32) x 2 bytes = 1920, rounded
        // to 2048, for each of 2 layers x 2 caches.
        long[] r = EngineLayout.regionBytes(tiny, EngineOptions.paged(1, 3, 5, 3, 5), H100, CudaEngine.PASS_TOKENS);
        assertEquals(2 * 2 * 2048, r[1]);
        // The default cache gives each of the 3 slots its 5 positions in one block of 16: 48 positions, 6144 bytes.
        assertEquals(2 * 2 * 6144, EngineLayout.regionBytes(tiny, EngineOptions.of(1, 3, 5), H100,
                CudaEngine.PASS_TOKENS)[1]);
        assertTrue(r[0] >= tiny.accounting().weightBytes());
        for (long region : r) {
            assertEquals(0, region % Arena.ALIGN, Arrays.toString(r));
        }
    }

    @Test
    void tiedEmbeddingsAreStoredOnce() {
        ModelConfig tied = ModelPresets.get("llama-3.2-1b");
        assertTrue(tied.tiedEmbeddings());
        long[] r = EngineLayout.regionBytes(tied, EngineOptions.of(1, 1, 128), H100, CudaEngine.PASS_TOKENS);
        long weightBytes = tied.accounting().weightBytes();
        assertTrue(r[0] >= weightBytes && r[0] < weightBytes + (2 + 6L * tied.layers()) * Arena.ALIGN,
                r[0] + " vs " + weightBytes);
    }

    @Test
    void shorterPassesOnlyShrinkTheWorkRegion() {
        ModelConfig c = ModelPresets.get("llama-110m");
        EngineOptions o = EngineOptions.of(1, 4, 1024);
        long[] full = EngineLayout.regionBytes(c, o, H100, CudaEngine.PASS_TOKENS);
        long[] short64 = EngineLayout.regionBytes(c, o, H100, 64);
        assertEquals(full[0], short64[0]);
        assertEquals(full[1], short64[1]);
        assertTrue(short64[2] < full[2], short64[2] + " vs " + full[2]);
    }

    @Test
    void everyPresetIsSizedWithoutOverflow() {
        List<String> bad = new ArrayList<>();
        for (ModelConfig c : ModelPresets.all().values()) {
            long[] r = EngineLayout.regionBytes(c, EngineOptions.of(1, 64, 4096), H100, CudaEngine.PASS_TOKENS);
            if (r[0] < c.accounting().weightBytes() || r[1] <= 0 || r[2] <= 0) {
                bad.add(c.name() + " " + Arrays.toString(r));
            }
        }
        assertEquals(List.of(), bad);
    }
}
