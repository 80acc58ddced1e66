package dev.tokenmeter.engine;

import java.util.BitSet;
import java.util.List;

/**
 * The unified step of DESIGN: for each sequence in the batch, a chunk of new tokens. Prefill, decode and mixed
 * (chunked prefill beside decodes) steps are all of this one kind.
 *
 * @param chunks       one per sequence, each slot at most once
 * @param returnLogits whether the step returns each chunk's last-token logits (full vocabulary) besides its
 *                     argmax; costs a copy of batch × vocab floats
 */
public record StepBatch(List<SequenceChunk> chunks, boolean returnLogits) {
    public StepBatch {
        chunks = List.copyOf(chunks);
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one sequence");
        }
        BitSet seen = new BitSet();
        for (SequenceChunk c : chunks) {
            if (seen.get(c.slot())) {
                throw new IllegalArgumentException("slot " + c.slot() + " appears twice in one step");
            }
            seen.set(c.slot());
        }
    }

    public static StepBatch of(List<SequenceChunk> chunks) {
        return new StepBatch(chunks, false);
    }

    /** New tokens in the step, all sequences together. */
    public int tokenCount() {
        int n = 0;
        for (SequenceChunk c : chunks) {
            n += c.length();
        }
        return n;
    }

    public int size() {
        return chunks.size();
    }

    /** Checks every chunk against an engine's limits, block tables included; names the chunk and the field. */
    public void validate(int vocab, EngineOptions options) {
        validate(vocab, options.maxSequences(), options.maxContext());
        for (int i = 0; i < chunks.size(); i++) {
            SequenceChunk c = chunks.get(i);
            int[] table = c.blockTable();
            if (table == null) {
                if ((long) (c.slot() + 1) * options.blocksPerSequence() > options.kvBlocks()) {
                    throw new IllegalArgumentException("chunk " + i + ": slot " + c.slot() + " has no blocks of its"
                            + " own in a cache of " + options.kvBlocks() + " blocks; give it a block table");
                }
                continue;
            }
            long needed = (c.endPosition() + options.kvBlockSize() - 1) / options.kvBlockSize();
            if (table.length < needed) {
                throw new IllegalArgumentException("chunk " + i + ": its block table has " + table.length
                        + " blocks but positions up to " + (c.endPosition() - 1) + " need " + needed);
            }
            for (int b = 0; b < needed; b++) {
                if (table[b] < 0 || table[b] >= options.kvBlocks()) {
                    throw new IllegalArgumentException("chunk " + i + ": block table entry " + b + " must be in [0, "
                            + options.kvBlocks() + "), got " + table[b]);
                }
            }
        }
    }

    /** Checks every chunk against an engine's limits; names the offending chunk and field. */
    public void validate(int vocab, int maxSequences, int maxContext) {
        for (int i = 0; i < chunks.size(); i++) {
            SequenceChunk c = chunks.get(i);
            if (c.slot() >= maxSequences) {
                throw new IllegalArgumentException("chunk " + i + ": slot must be in [0, " + maxSequences
                        + "), got " + c.slot());
            }
            if (c.endPosition() > maxContext) {
                throw new IllegalArgumentException("chunk " + i + ": positions " + c.startPosition() + ".."
                        + (c.endPosition() - 1) + " run past the engine's context of "
                        + maxContext);
            }
            for (int t : c.tokens()) {
                if (t < 0 || t >= vocab) {
                    throw new IllegalArgumentException("chunk " + i + ": token id must be in [0, " + vocab
                            + "), got " + t);
                }
            }
        }
    }
}
