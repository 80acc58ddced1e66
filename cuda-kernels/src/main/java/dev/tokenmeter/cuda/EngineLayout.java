package dev.tokenmeter.cuda;

import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;

/**
 * How much device memory a {@link CudaEngine} takes and where its per-pass metadata lives: the sizes behind the
 * memory plan that refuses a model before allocating, and the arena the engine then carves up in the same order.
 */
final class EngineLayout {
    private EngineLayout() {
    }

    /** Where each per-pass int array lives in the metadata block. */
    record Meta(int tokens, int positions, int slots, int seqStart, int seqLen, int seqPos, int seqSlot, int ctxLen,
            int lastRows, int blockTables, int ints) {
        static Meta of(int passTokens, int maxSequences) {
            return of(passTokens, maxSequences, 1);
        }

        /** With room for every slot's block table, {@code blocksPerSequence} entries each. */
        static Meta of(int passTokens, int maxSequences, int blocksPerSequence) {
            int o = 0;
            int tokens = o;
            o += passTokens;
            int positions = o;
            o += passTokens;
            int slots = o;
            o += passTokens;
            int seqStart = o;
            o += maxSequences;
            int seqLen = o;
            o += maxSequences;
            int seqPos = o;
            o += maxSequences;
            int seqSlot = o;
            o += maxSequences;
            int ctxLen = o;
            o += maxSequences;
            int lastRows = o;
            o += maxSequences;
            int blockTables = o;
            o += maxSequences * blocksPerSequence;
            return new Meta(tokens, positions, slots, seqStart, seqLen, seqPos, seqSlot, ctxLen, lastRows, blockTables,
                    o);
        }
    }

    /** Tokens per pass for these options. */
    static int passTokens(EngineOptions o, int limit) {
        long all = (long) o.maxSequences() * o.maxContext();
        return (int) Math.max(o.maxSequences(), Math.min(limit, all));
    }

    /** Largest batch · splits product any decode batch size uses (sizes the split-attention scratch). */
    static long decodePartials(CudaOps ops, ModelConfig c, EngineOptions o) {
        long most = 0;
        for (int b = 1; b <= o.maxSequences(); b++) {
            most = Math.max(most, (long) b * ops.decodeSplits(b, c.kvHeads(), o.maxContext()));
        }
        return most;
    }

    /** Every region of the arena, in the order {@link CudaEngine} takes them: sizes the plan and the arena. */
    static long[] regionBytes(ModelConfig c, EngineOptions o, CudaOps ops, int passLimit) {
        int p = passTokens(o, passLimit);
        int s = o.maxSequences();
        long kvPerLayer = o.kvPositions() * c.kvDim() * CudaEngine.KV_BYTES;
        long weights = 0;
        weights += Arena.aligned((long) c.vocab() * c.hidden() * 2);
        if (!c.tiedEmbeddings()) {
            weights += Arena.aligned((long) c.vocab() * c.hidden() * 2);
        }
        weights += Arena.aligned((long) c.hidden() * 2);
        long perLayer = 2 * Arena.aligned((long) c.hidden() * 2)
                + Arena.aligned((long) (c.qDim() + 2 * c.kvDim()) * c.hidden() * 2)
                + Arena.aligned((long) c.hidden() * c.qDim() * 2)
                + Arena.aligned(2L * c.ffn() * c.hidden() * 2)
                + Arena.aligned((long) c.hidden() * c.ffn() * 2);
        weights += perLayer * c.layers();
        long kv = 2 * c.layers() * Arena.aligned(kvPerLayer);
        long half = c.headDim() / 2;
        long partials = decodePartials(ops, c, o) * c.heads();
        long work = 2 * Arena.aligned((long) o.maxContext() * half * 4)
                + Arena.aligned((long) p * c.hidden() * 4)
                + Arena.aligned((long) p * c.hidden() * 2)
                + Arena.aligned((long) p * (c.qDim() + 2L * c.kvDim()) * 4)
                + 2 * Arena.aligned((long) p * c.qDim() * 2)
                + Arena.aligned((long) p * 2 * c.ffn() * 4)
                + Arena.aligned((long) p * c.ffn() * 2)
                + Arena.aligned(partials * c.headDim() * 4)
                + Arena.aligned(partials * 2 * 4)
                + Arena.aligned((long) s * c.hidden() * 2)
                + Arena.aligned((long) s * c.vocab() * 4)
                + Arena.aligned((long) s * 4)
                + Arena.aligned((long) Meta.of(p, s, o.blocksPerSequence()).ints() * 4);
        return new long[] {weights, kv, work};
    }
}
