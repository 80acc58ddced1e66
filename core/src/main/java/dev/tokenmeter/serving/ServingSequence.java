package dev.tokenmeter.serving;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request inside the scheduler: its tokens so far (prompt, then each generated token), how many of them have
 * their keys and values in the cache, its slot and KV blocks while it runs, and the host time of each output
 * token. A preempted request keeps its tokens and loses its cache: it is recomputed, prompt and generated tokens
 * alike, when it is admitted again, and continues exactly where it stopped.
 */
public final class ServingSequence {
    private final Arrival arrival;
    private final long arrivalNanos;
    private int[] tokens;
    private int length;
    private int cached;
    private int slot = -1;
    private final List<Integer> blocks = new ArrayList<>();
    private final long[] tokenNanos;
    private int generated;
    private int preemptions;
    private long admittedOrder;
    private long admittedNanos = -1;

    ServingSequence(Arrival arrival, long arrivalNanos, int[] prompt) {
        if (prompt.length != arrival.promptLength()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens for " + arrival);
        }
        this.arrival = arrival;
        this.arrivalNanos = arrivalNanos;
        this.tokens = Arrays.copyOf(prompt, prompt.length + arrival.outputLength());
        this.length = prompt.length;
        this.tokenNanos = new long[arrival.outputLength()];
    }

    public Arrival arrival() {
        return arrival;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    /** Tokens known: the prompt and every output token so far. */
    public int length() {
        return length;
    }

    /** Positions whose keys and values are in the cache. */
    public int cached() {
        return cached;
    }

    /** Tokens still to feed before the next output token: the rest of the prompt (or of a recompute), or 1. */
    public int pending() {
        return length - cached;
    }

    public int generated() {
        return generated;
    }

    public int preemptions() {
        return preemptions;
    }

    public int slot() {
        return slot;
    }

    public boolean finished() {
        return generated == arrival.outputLength();
    }

    /** The output tokens so far. */
    public int[] output() {
        return Arrays.copyOfRange(tokens, arrival.promptLength(), length);
    }

    int[] tokens() {
        return tokens;
    }

    List<Integer> blocks() {
        return blocks;
    }

    /** Host time of the first admission, or -1 while never admitted. */
    long admittedNanos() {
        return admittedNanos;
    }

    /** The last token known: the prompt's last, or the last generated. */
    int lastToken() {
        return tokens[length - 1];
    }

    long admittedOrder() {
        return admittedOrder;
    }

    /** Admitted to {@code newSlot} at host time {@code nanos}; the first admission's time is kept. */
    void admit(int newSlot, long order, long nanos) {
        slot = newSlot;
        admittedOrder = order;
        if (admittedNanos < 0) {
            admittedNanos = nanos;
        }
    }

    void advance(int fed) {
        cached += fed;
    }

    void append(int token, long nanos) {
        tokens[length++] = token;
        tokenNanos[generated++] = nanos;
    }

    /** Drops the cache: the caller has returned the blocks and the slot. */
    void preempt() {
        blocks.clear();
        slot = -1;
        cached = 0;
        preemptions++;
    }

    void release() {
        blocks.clear();
        slot = -1;
    }

    RequestRecord record() {
        return new RequestRecord(arrival, arrivalNanos, admittedNanos, Arrays.copyOf(tokenNanos, generated),
                preemptions, output());
    }
}
