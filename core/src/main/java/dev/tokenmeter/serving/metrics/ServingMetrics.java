package dev.tokenmeter.serving.metrics;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.serving.RequestRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The metrics of one serving run, as DESIGN defines them, from its request records alone. Latencies are
 * summarized over the completed requests, in milliseconds; rates are per second of the run's duration.
 *
 * <p>Requests the run ended before finishing are counted in {@link #incomplete()}, and requests that failed (an
 * endpoint's error, timeout or broken stream) in {@link #failed()}; both are otherwise left out: of the latency
 * summaries (their E2E is unknown), of the token counts and of the rates (as vLLM counts only successful
 * requests). The duration still starts at the first arrival of any request.
 *
 * @param completed             requests that produced every output token
 * @param incomplete            requests the run ended before finishing
 * @param inputTokens           prompt tokens of the completed requests
 * @param outputTokens          output tokens of the completed requests (the generated ids, never re-tokenized)
 * @param durationSeconds       first arrival (of any request) → last token of the last completed request
 * @param ttftMs                arrival → first token, queueing included
 * @param tpotMs                per request (E2E − TTFT) / (output tokens − 1); null when every completed request
 *                              had one output token (TPOT is undefined for those, so they are not in it)
 * @param itlMs                 ITL per token: every gap between consecutive tokens of a request, pooled over
 *                              requests (the tokens of one streamed chunk are 0 apart); null as {@code tpotMs}
 * @param e2eMs                 arrival → last token
 * @param interactivity         per request 1000 / TPOT: tokens per second per user, over the requests with a TPOT
 *                              above 0; null when there are none. Its high percentiles are the <em>fastest</em>
 *                              users: for the slow tail read {@code tpotMs}
 * @param outputTokensPerSecond output tokens / duration
 * @param inputTokensPerSecond  input tokens / duration
 * @param totalTokensPerSecond  (input + output tokens) / duration
 * @param requestsPerSecond     completed requests / duration
 * @param perRequest            each completed request's latencies, in the order of the records: what goodput
 *                              judges
 * @param failed                requests that failed (an endpoint's); 0 for the engine in this process
 * @param itlChunkMs            ITL per chunk: every gap between consecutive streamed chunks of a completed request,
 *                              pooled; null where every token came on its own (the engine in this process)
 * @param sendLagMs             how late the client sent each request it sent, behind its scheduled arrival: the
 *                              load generator's own lag, which counts in TTFT but is not the server's; null where
 *                              not recorded (the engine in this process)
 */
public record ServingMetrics(
        int completed,
        int incomplete,
        long inputTokens,
        long outputTokens,
        double durationSeconds,
        Summary ttftMs,
        Summary tpotMs,
        Summary itlMs,
        Summary e2eMs,
        Summary interactivity,
        double outputTokensPerSecond,
        double inputTokensPerSecond,
        double totalTokensPerSecond,
        double requestsPerSecond,
        List<RequestLatency> perRequest,
        int failed,
        Summary itlChunkMs,
        Summary sendLagMs) {

    public ServingMetrics {
        perRequest = List.copyOf(perRequest);
    }

    /** Metrics without failures, chunks or send times: the engine in this process. */
    public ServingMetrics(int completed, int incomplete, long inputTokens, long outputTokens, double durationSeconds,
            Summary ttftMs, Summary tpotMs, Summary itlMs, Summary e2eMs, Summary interactivity,
            double outputTokensPerSecond, double inputTokensPerSecond, double totalTokensPerSecond,
            double requestsPerSecond, List<RequestLatency> perRequest) {
        this(completed, incomplete, inputTokens, outputTokens, durationSeconds, ttftMs, tpotMs, itlMs, e2eMs,
                interactivity, outputTokensPerSecond, inputTokensPerSecond, totalTokensPerSecond, requestsPerSecond,
                perRequest, 0, null, null);
    }

    /**
     * The metrics of a run's records.
     *
     * @throws IllegalArgumentException when there are no records, none completed, a token precedes its request's
     *                                  arrival, or the duration is 0
     */
    public static ServingMetrics of(List<RequestRecord> records) {
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            throw new IllegalArgumentException("no request records: serving metrics need at least one request");
        }
        long firstArrival = Long.MAX_VALUE;
        long lastCompletion = Long.MIN_VALUE;
        long input = 0;
        long output = 0;
        int gaps = 0;
        int failed = 0;
        List<Double> chunkGaps = new ArrayList<>();
        boolean chunked = false;
        List<Double> lags = new ArrayList<>();
        List<RequestLatency> done = new ArrayList<>();
        List<long[]> doneTokens = new ArrayList<>();
        for (RequestRecord r : records) {
            long[] t = r.tokenNanos();
            RequestLatency.checkNotBeforeArrival(r, t);
            firstArrival = Math.min(firstArrival, r.arrivalNanos());
            if (r.sentNanos() >= 0) {
                lags.add(Math.max(0, r.sentNanos() - r.arrivalNanos()) / 1e6);
            }
            if (r.failed()) {
                failed++;
            }
            if (r.completed()) {
                done.add(RequestLatency.of(r));
                doneTokens.add(t);
                lastCompletion = Math.max(lastCompletion, t[t.length - 1]);
                input += r.prompt();
                output += t.length;
                gaps += t.length - 1;
                if (r.chunkTokens() != null) {
                    chunked = true;
                    chunkGaps(r.chunkTokens(), t, chunkGaps);
                }
            }
        }
        int n = done.size();
        if (n == 0) {
            throw new IllegalArgumentException("none of the " + records.size() + " requests completed" + (failed == 0
                    ? ": the run ended before any request finished, so there is nothing to measure"
                    : ": " + failed + " failed (" + firstFailure(records) + ")"));
        }
        long durationNanos = lastCompletion - firstArrival;
        if (durationNanos <= 0) {
            throw new IllegalArgumentException("the run's duration (first arrival to last completion) is "
                    + durationNanos + " ns: rates are undefined (a clock or recording error)");
        }
        double[] ttft = new double[n];
        double[] e2e = new double[n];
        double[] tpot = new double[n];
        double[] inter = new double[n];
        double[] itl = new double[gaps];
        int nTpot = 0;
        int nInter = 0;
        int g = 0;
        for (int i = 0; i < n; i++) {
            RequestLatency r = done.get(i);
            ttft[i] = r.ttftMs();
            e2e[i] = r.e2eMs();
            if (r.outputTokens() > 1) {
                tpot[nTpot++] = r.tpotMs();
                if (r.tpotMs() > 0) {
                    inter[nInter++] = r.interactivity();
                }
            }
            long[] t = doneTokens.get(i);
            for (int k = 1; k < t.length; k++) {
                itl[g++] = (t[k] - t[k - 1]) / 1e6;
            }
        }
        double seconds = durationNanos / 1e9;
        return new ServingMetrics(n, records.size() - n - failed, input, output, seconds,
                Summary.of(ttft),
                nTpot > 0 ? Summary.of(Arrays.copyOf(tpot, nTpot)) : null,
                gaps > 0 ? Summary.of(itl) : null,
                Summary.of(e2e),
                nInter > 0 ? Summary.of(Arrays.copyOf(inter, nInter)) : null,
                output / seconds, input / seconds, (input + output) / seconds, n / seconds, done, failed,
                chunked && !chunkGaps.isEmpty() ? Summary.of(unboxed(chunkGaps)) : null,
                lags.isEmpty() ? null : Summary.of(unboxed(lags)));
    }

    /** The gaps between consecutive chunks of one request, ms: chunk k starts at token c0 + ... + c(k-1). */
    private static void chunkGaps(int[] chunks, long[] tokenNanos, List<Double> out) {
        int at = 0;
        for (int k = 0; k + 1 < chunks.length; k++) {
            int next = at + chunks[k];
            out.add((tokenNanos[next] - tokenNanos[at]) / 1e6);
            at = next;
        }
    }

    private static double[] unboxed(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The first failure of the records, with how many share its kind, for a message. */
    private static String firstFailure(List<RequestRecord> records) {
        RequestRecord first = records.stream().filter(RequestRecord::failed).findFirst().orElseThrow();
        long same = records.stream().filter(r -> r.failed() && r.failure().kind() == first.failure().kind()).count();
        return same + " " + first.failure().kind().label() + ", first: " + first.failure().detail();
    }

    /** Every request of the run, completed, failed or not finished. */
    public int requests() {
        return completed + incomplete + failed;
    }

    /** Failed requests / all requests; 0 where none failed. */
    public double errorRate() {
        return requests() == 0 ? 0 : (double) failed / requests();
    }

    /**
     * Interactivity at the median TPOT, 1000 / median TPOT (tokens per second per user), as InferenceMAX plots it;
     * NaN when TPOT is undefined.
     */
    public double interactivityAtMedianTpot() {
        return tpotMs == null ? Double.NaN : 1e3 / tpotMs.p50();
    }
}
