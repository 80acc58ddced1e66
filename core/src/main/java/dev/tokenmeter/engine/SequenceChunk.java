package dev.tokenmeter.engine;

import java.util.Objects;

/**
 * One sequence's share of a step: its new tokens (a prompt chunk, or one decode token) placed at positions
 * {@code startPosition ..}. The engine writes their keys and values into the slot's KV cache there and attends
 * over positions {@code [0, startPosition + tokens.length)} of that slot.
 *
 * @param slot           the sequence's slot, in {@code [0, maxSequences)}, at most once per step
 * @param startPosition  position of the first new token
 * @param tokens         the new token ids (not copied; do not change them during the step)
 * @param blockTable     the KV-cache blocks of the sequence, position p in block {@code blockTable[p / blockSize]},
 *                       covering at least positions {@code [0, endPosition())}; or null for the slot's own run of
 *                       blocks (see {@link EngineOptions}). Not copied.
 */
public record SequenceChunk(int slot, int startPosition, int[] tokens, int[] blockTable) {
    /** A chunk in its slot's own run of KV blocks. */
    public SequenceChunk(int slot, int startPosition, int[] tokens) {
        this(slot, startPosition, tokens, null);
    }

    public SequenceChunk {
        Objects.requireNonNull(tokens, "tokens");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a chunk must carry at least one token");
        }
        if (slot < 0) {
            throw new IllegalArgumentException("slot must be >= 0, got " + slot);
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("startPosition must be >= 0, got " + startPosition);
        }
    }

    public int length() {
        return tokens.length;
    }

    /** Context length after this chunk: positions the last token attends to. */
    public long endPosition() {
        return (long) startPosition + tokens.length;
    }
}
