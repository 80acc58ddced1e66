package dev.tokenmeter.scenario.serving;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.tokenmeter.serving.RequestFailure;
import dev.tokenmeter.serving.RequestRecord;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What happened to one request of a serving point, as a result file keeps it: enough for any program to recompute
 * every latency, percentile, rate and goodput the point reports (docs/result-schema.md shows how). Times are
 * integer nanoseconds on the point's own clock, which starts when the point does.
 *
 * @param id           the request's number in the point's workload
 * @param arrivalNs    its scheduled arrival, from which its latencies count (a closed loop's: when it was issued)
 * @param admittedNs   when the scheduler first admitted it (a slot and its first prompt chunk); null when it never
 *                     was, or where that was not recorded
 * @param prompt       prompt tokens (a chat endpoint's as its {@code usage} counted them)
 * @param output       output tokens asked for
 * @param preemptions  times it was evicted and its context recomputed
 * @param outcome      whether it produced every output token
 * @param firstTokenNs when its first output token was on the host; null when it got none
 * @param gapsNs       the gaps between its consecutive output tokens: token i (from 1) came at
 *                     {@code firstTokenNs + gapsNs[0] + ... + gapsNs[i − 1]}; one fewer than the tokens it got
 *                     (the tokens of one streamed chunk are 0 apart)
 * @param sentNs       when an endpoint's client actually sent it (its lag behind {@code arrivalNs} is the load
 *                     generator's); null for the engine in this process, or when it was never sent
 * @param chunks       how many tokens each streamed chunk carried, in order; null when every token came alone
 * @param failure      why it failed ({@code outcome} "failed"); null otherwise
 */
public record RequestEntry(int id, long arrivalNs, Long admittedNs, int prompt, int output, int preemptions,
        Outcome outcome, Long firstTokenNs, long[] gapsNs, @JsonInclude(JsonInclude.Include.NON_NULL) Long sentNs,
        @JsonInclude(JsonInclude.Include.NON_NULL) int[] chunks,
        @JsonInclude(JsonInclude.Include.NON_NULL) RequestFailure failure) {

    /** How a request ended. */
    public enum Outcome {
        /** Every output token was produced. */
        COMPLETED,
        /** The point ended first (its time limit): the request is left out of every figure but counted. */
        UNFINISHED,
        /** It failed (an endpoint's error, timeout or broken stream): counted in the error rate only. */
        FAILED;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Outcome of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    public RequestEntry {
        Objects.requireNonNull(outcome, "outcome");
        gapsNs = gapsNs == null ? new long[0] : gapsNs.clone();
        chunks = chunks == null ? null : chunks.clone();
        if ((outcome == Outcome.FAILED) != (failure != null)) {
            throw new IllegalArgumentException("a failed request, and only one, says why: outcome " + outcome.label()
                    + ", failure " + failure);
        }
    }

    /** An entry of the engine in this process: never sent over a wire, one token per chunk, never failed. */
    public RequestEntry(int id, long arrivalNs, Long admittedNs, int prompt, int output, int preemptions,
            Outcome outcome, Long firstTokenNs, long[] gapsNs) {
        this(id, arrivalNs, admittedNs, prompt, output, preemptions, outcome, firstTokenNs, gapsNs, null, null, null);
    }

    /** A record of the serving loop, as kept. */
    public static RequestEntry of(RequestRecord r) {
        long[] t = r.tokenNanos();
        long[] gaps = new long[Math.max(0, t.length - 1)];
        for (int i = 1; i < t.length; i++) {
            gaps[i - 1] = t[i] - t[i - 1];
        }
        Outcome outcome = r.failed() ? Outcome.FAILED : r.completed() ? Outcome.COMPLETED : Outcome.UNFINISHED;
        return new RequestEntry(r.arrival().id(), r.arrivalNanos(), r.admittedNanos() < 0 ? null : r.admittedNanos(),
                r.prompt(), r.arrival().outputLength(), r.preemptions(), outcome, t.length == 0 ? null : t[0], gaps,
                r.sentNanos() < 0 ? null : r.sentNanos(), r.chunkTokens(), r.failure());
    }

    @Override
    public long[] gapsNs() {
        return gapsNs.clone();
    }

    @Override
    public int[] chunks() {
        return chunks == null ? null : chunks.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestEntry e && id == e.id && arrivalNs == e.arrivalNs
                && Objects.equals(admittedNs, e.admittedNs) && prompt == e.prompt && output == e.output
                && preemptions == e.preemptions && outcome == e.outcome && Objects.equals(firstTokenNs, e.firstTokenNs)
                && Arrays.equals(gapsNs, e.gapsNs) && Objects.equals(sentNs, e.sentNs) && Arrays.equals(chunks, e.chunks)
                && Objects.equals(failure, e.failure);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, arrivalNs, admittedNs, prompt, output, preemptions, outcome, firstTokenNs,
                Arrays.hashCode(gapsNs), sentNs, Arrays.hashCode(chunks), failure);
    }

    @Override
    public String toString() {
        return "RequestEntry[id=" + id + ", " + outcome.label() + ", tokens=" + (firstTokenNs == null ? 0
                : gapsNs.length + 1) + "]";
    }
}
