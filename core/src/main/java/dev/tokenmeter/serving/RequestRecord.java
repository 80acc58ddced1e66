package dev.tokenmeter.serving;

import java.util.Arrays;
import java.util.Objects;

/**
 * What happened to one request of a serving run, in host time (System.nanoTime, nanoseconds since the run's
 * start): when it was scheduled to arrive, and when each of its output tokens was available on the host. Every
 * serving metric of DESIGN is computed from these records alone, whatever the target (the engine in this process, or
 * an endpoint over HTTP).
 *
 * @param arrival      the request as the workload defined it
 * @param arrivalNanos its scheduled arrival (the clock starts here, not when the target first saw it)
 * @param sentNanos    when an endpoint's client actually sent it (its lag behind the schedule is the load
 *                     generator's own, not the server's); −1 for the engine in this process, or where it never was
 * @param admittedNanos when the scheduler first admitted it (gave it a slot and fed it its first prompt chunk); −1
 *                     when it never was, or where that was not recorded (an endpoint)
 * @param tokenNanos   when output token i was available, non-decreasing, {@code arrival.outputLength()} entries
 *                     for a completed request, fewer when the run ended first or the request failed; the tokens of
 *                     one streamed chunk share its time
 * @param chunkTokens  how many tokens each streamed chunk carried, in order, summing to the tokens received; null
 *                     when every token came on its own (the engine in this process)
 * @param preemptions  how many times the scheduler evicted it and recomputed its context
 * @param outputTokens the generated token ids, as many as {@code tokenNanos}, or none where the target does not
 *                     return ids (an endpoint): token counts are never a re-tokenization
 * @param promptTokens the prompt's tokens as the target counted them (a chat endpoint's {@code usage}), or −1 when
 *                     the prompt was the workload's exactly
 * @param failure      why it failed, or null when it did not
 */
public record RequestRecord(Arrival arrival, long arrivalNanos, long sentNanos, long admittedNanos, long[] tokenNanos,
        int[] chunkTokens, int preemptions, int[] outputTokens, int promptTokens, RequestFailure failure) {
    /** A record without the admission time and the token ids (metrics need only the arrival and token times). */
    public RequestRecord(Arrival arrival, long arrivalNanos, long[] tokenNanos, int preemptions) {
        this(arrival, arrivalNanos, -1, tokenNanos, preemptions, new int[tokenNanos.length]);
    }

    /** A record of the engine in this process: no send time, one token per chunk, the workload's prompt. */
    public RequestRecord(Arrival arrival, long arrivalNanos, long admittedNanos, long[] tokenNanos, int preemptions,
            int[] outputTokens) {
        this(arrival, arrivalNanos, -1, admittedNanos, tokenNanos, null, preemptions, outputTokens, -1, null);
    }

    /**
     * A record of an endpoint's client: sent at {@code sentNanos} (−1: never), its tokens' times and chunks, the
     * prompt as the server counted it (−1: as asked), and its failure (null: none).
     */
    public static RequestRecord client(Arrival arrival, long arrivalNanos, long sentNanos, long[] tokenNanos,
            int[] chunkTokens, int promptTokens, RequestFailure failure) {
        return new RequestRecord(arrival, arrivalNanos, sentNanos, -1, tokenNanos, chunkTokens, 0, new int[0],
                promptTokens, failure);
    }

    public RequestRecord {
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(tokenNanos, "tokenNanos");
        Objects.requireNonNull(outputTokens, "outputTokens");
        if (outputTokens.length != tokenNanos.length && outputTokens.length != 0) {
            throw new IllegalArgumentException(outputTokens.length + " output tokens for " + tokenNanos.length
                    + " token times");
        }
        tokenNanos = tokenNanos.clone();
        outputTokens = outputTokens.clone();
        for (int i = 1; i < tokenNanos.length; i++) {
            if (tokenNanos[i] < tokenNanos[i - 1]) {
                throw new IllegalArgumentException("token times must not decrease: token " + i + " at "
                        + tokenNanos[i] + " ns after token " + (i - 1) + " at " + tokenNanos[i - 1] + " ns");
            }
        }
        if (tokenNanos.length > arrival.outputLength()) {
            throw new IllegalArgumentException(tokenNanos.length + " token times for a request of "
                    + arrival.outputLength() + " output tokens");
        }
        if (admittedNanos < -1 || (tokenNanos.length > 0 && admittedNanos > tokenNanos[0])) {
            throw new IllegalArgumentException("admittedNanos must be -1 (not admitted) or a time no later than the"
                    + " first token's, got " + admittedNanos);
        }
        if (sentNanos < -1 || (tokenNanos.length > 0 && sentNanos > tokenNanos[0])) {
            throw new IllegalArgumentException("sentNanos must be -1 (not sent) or a time no later than the first"
                    + " token's, got " + sentNanos);
        }
        if (chunkTokens != null) {
            chunkTokens = chunkTokens.clone();
            checkChunks(chunkTokens, tokenNanos);
        }
        if (preemptions < 0) {
            throw new IllegalArgumentException("preemptions must be >= 0, got " + preemptions);
        }
        if (promptTokens < -1 || promptTokens == 0) {
            throw new IllegalArgumentException("promptTokens must be -1 (as asked) or >= 1, got " + promptTokens);
        }
    }

    /** Chunks of at least one token each, summing to the tokens, the tokens of a chunk at one time. */
    private static void checkChunks(int[] chunks, long[] tokenNanos) {
        int at = 0;
        for (int c : chunks) {
            if (c < 1) {
                throw new IllegalArgumentException("a chunk carries at least one token, got " + c);
            }
            for (int k = at + 1; k < Math.min(at + c, tokenNanos.length); k++) {
                if (tokenNanos[k] != tokenNanos[at]) {
                    throw new IllegalArgumentException("the tokens of one chunk share its time: token " + k + " at "
                            + tokenNanos[k] + " ns, its chunk at " + tokenNanos[at] + " ns");
                }
            }
            at += c;
        }
        if (at != tokenNanos.length) {
            throw new IllegalArgumentException("chunks carry " + at + " tokens for " + tokenNanos.length
                    + " token times");
        }
    }

    /** The prompt's tokens: as the target counted them, else as the workload asked. */
    public int prompt() {
        return promptTokens > 0 ? promptTokens : arrival.promptLength();
    }

    /** Whether it failed (it never counts as completed then). */
    public boolean failed() {
        return failure != null;
    }

    /** Whether every output token was produced. */
    public boolean completed() {
        return failure == null && tokenNanos.length == arrival.outputLength();
    }

    @Override
    public long[] tokenNanos() {
        return tokenNanos.clone();
    }

    @Override
    public int[] outputTokens() {
        return outputTokens.clone();
    }

    @Override
    public int[] chunkTokens() {
        return chunkTokens == null ? null : chunkTokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestRecord r && arrival.equals(r.arrival) && arrivalNanos == r.arrivalNanos
                && sentNanos == r.sentNanos && admittedNanos == r.admittedNanos
                && Arrays.equals(tokenNanos, r.tokenNanos) && Arrays.equals(chunkTokens, r.chunkTokens)
                && preemptions == r.preemptions && Arrays.equals(outputTokens, r.outputTokens)
                && promptTokens == r.promptTokens && Objects.equals(failure, r.failure);
    }

    @Override
    public int hashCode() {
        return Objects.hash(arrival, arrivalNanos, sentNanos, admittedNanos, Arrays.hashCode(tokenNanos),
                Arrays.hashCode(chunkTokens), preemptions, Arrays.hashCode(outputTokens), promptTokens, failure);
    }

    @Override
    public String toString() {
        return "RequestRecord[" + arrival + ", arrivalNanos=" + arrivalNanos + ", admittedNanos=" + admittedNanos
                + ", tokens=" + tokenNanos.length + ", preemptions=" + preemptions
                + (failure == null ? "" : ", failed " + failure) + "]";
    }
}
