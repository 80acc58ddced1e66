package dev.tokenmeter.serving;

import java.util.Arrays;
import java.util.Objects;

/**
 * What happened to one request of a serving run, in host time (System.nanoTime, nanoseconds since the run's
 * start): when it was scheduled to arrive, and when each of its output tokens was available on the host. Every
 * serving metric of DESIGN is computed from these records alone.
 *
 * @param arrival     the request as the workload defined it
 * @param arrivalNanos its scheduled arrival (the clock starts here, not when the engine first saw it)
 * @param admittedNanos when the scheduler first admitted it (gave it a slot and fed it its first prompt chunk); −1
 *                    when it never was, or where that was not recorded
 * @param tokenNanos  when output token i was available, non-decreasing, {@code arrival.outputLength()} entries
 *                    for a completed request, fewer when the run ended first
 * @param preemptions how many times the scheduler evicted it and recomputed its context
 * @param outputTokens the generated token ids, as many as {@code tokenNanos} (token counts are these ids, never a
 *                    re-tokenization)
 */
public record RequestRecord(Arrival arrival, long arrivalNanos, long admittedNanos, long[] tokenNanos,
        int preemptions, int[] outputTokens) {
    /** A record without the admission time and the token ids (metrics need only the arrival and token times). */
    public RequestRecord(Arrival arrival, long arrivalNanos, long[] tokenNanos, int preemptions) {
        this(arrival, arrivalNanos, -1, tokenNanos, preemptions, new int[tokenNanos.length]);
    }

    public RequestRecord {
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(tokenNanos, "tokenNanos");
        Objects.requireNonNull(outputTokens, "outputTokens");
        if (outputTokens.length != tokenNanos.length) {
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
        if (preemptions < 0) {
            throw new IllegalArgumentException("preemptions must be >= 0, got " + preemptions);
        }
    }

    /** Whether every output token was produced. */
    public boolean completed() {
        return tokenNanos.length == arrival.outputLength();
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
    public boolean equals(Object o) {
        return o instanceof RequestRecord r && arrival.equals(r.arrival) && arrivalNanos == r.arrivalNanos
                && admittedNanos == r.admittedNanos && Arrays.equals(tokenNanos, r.tokenNanos)
                && preemptions == r.preemptions && Arrays.equals(outputTokens, r.outputTokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(arrival, arrivalNanos, admittedNanos, Arrays.hashCode(tokenNanos), preemptions,
                Arrays.hashCode(outputTokens));
    }

    @Override
    public String toString() {
        return "RequestRecord[" + arrival + ", arrivalNanos=" + arrivalNanos + ", admittedNanos=" + admittedNanos
                + ", tokens=" + tokenNanos.length
                + ", preemptions=" + preemptions + "]";
    }
}
