package dev.tokenmeter.engine;

import java.util.Objects;

/**
 * One sequence's share of a step: its new tokens (a prompt chunk, or one decode token) placed at positions
 * {@code startPosition ..}. The engine writes their keys and values into the slot's KV cache there and attends
 * over positions {@code [0, startPosition + tokens.length)} of that slot.
 *
 * @param slot           the sequence's KV-cache slot, in {@code [0, maxSequences)}
 * @param startPosition  position of the first new token
 * @param tokens         the new token ids (not copied; do not change them during the step)
 */
public record SequenceChunk(int slot, int startPosition, int[] tokens) {
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
