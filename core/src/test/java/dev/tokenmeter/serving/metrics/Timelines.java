package dev.tokenmeter.serving.metrics;

import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Hand-built request timelines for the serving-metric tests; every time in milliseconds unless named ns. */
final class Timelines {
    private Timelines() {
    }

    static long ns(double ms) {
        return Math.round(ms * 1e6);
    }

    /** A request of {@code outputLength} tokens arriving at {@code arrivalMs}, with the given token times. */
    static RequestRecord request(int id, double arrivalMs, int promptLength, int outputLength, double... tokenMs) {
        long[] t = Arrays.stream(tokenMs).mapToLong(Timelines::ns).toArray();
        return new RequestRecord(new Arrival(id, arrivalMs / 1e3, promptLength, outputLength), ns(arrivalMs), t, 0);
    }

    /** A completed request: as many output tokens as token times. */
    static RequestRecord done(int id, double arrivalMs, int promptLength, double... tokenMs) {
        return request(id, arrivalMs, promptLength, tokenMs.length, tokenMs);
    }

    /**
     * A single server, first come first served, one request at a time: {@code n} requests arrive every
     * 1 / {@code rate} seconds (gaps rounded to the ns); each, once started, has its first token after
     * {@code prefillMs} and one more every {@code tokenMs}, {@code outputTokens} in all. Service time is
     * prefill + (outputTokens − 1) · token, so the server completes 1000 / that many requests per second. Tokens
     * after {@code cutoffMs} are not recorded (the run ended), which leaves those requests incomplete.
     */
    static List<RequestRecord> fifo(int n, double rate, double prefillMs, double tokenMs, int outputTokens,
            double cutoffMs) {
        long gap = Math.round(1e9 / rate);
        long cutoff = cutoffMs == Double.POSITIVE_INFINITY ? Long.MAX_VALUE : ns(cutoffMs);
        List<RequestRecord> out = new ArrayList<>();
        long free = 0;
        for (int i = 0; i < n; i++) {
            long arrival = i * gap;
            long start = Math.max(arrival, free);
            long[] t = new long[outputTokens];
            int kept = 0;
            for (int k = 0; k < outputTokens; k++) {
                t[k] = start + ns(prefillMs) + k * ns(tokenMs);
                if (t[k] <= cutoff) {
                    kept++;
                }
            }
            free = t[outputTokens - 1];
            out.add(new RequestRecord(new Arrival(i, arrival / 1e9, 16, outputTokens), arrival,
                    Arrays.copyOf(t, kept), 0));
        }
        return out;
    }

    /** {@link #fifo} with no cutoff. */
    static List<RequestRecord> fifo(int n, double rate, double prefillMs, double tokenMs, int outputTokens) {
        return fifo(n, rate, prefillMs, tokenMs, outputTokens, Double.POSITIVE_INFINITY);
    }
}
