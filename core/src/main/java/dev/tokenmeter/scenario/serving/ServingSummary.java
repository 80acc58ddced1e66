package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.serving.metrics.ServingMetrics;

/**
 * The metrics of one serving point as a result records them: {@link ServingMetrics} without its per-request list.
 * Latencies are summarized over the completed requests, in milliseconds; rates are per second of the run's
 * duration (first arrival to last completion) and count completed requests only.
 *
 * @param completed             requests that produced every output token
 * @param incomplete            requests the run ended before finishing (left out of everything else)
 * @param inputTokens           prompt tokens of the completed requests
 * @param outputTokens          output tokens of the completed requests
 * @param durationSeconds       first arrival → last token of the last completed request
 * @param requestsPerSecond     completed requests / duration (the achieved rate)
 * @param inputTokensPerSecond  input tokens / duration
 * @param outputTokensPerSecond output tokens / duration
 * @param totalTokensPerSecond  (input + output tokens) / duration
 * @param ttftMs                arrival → first token, queueing included
 * @param tpotMs                (E2E − TTFT) / (output tokens − 1) per request; null when every request had one
 *                              output token
 * @param itlMs                 every gap between consecutive tokens, pooled; null as {@code tpotMs}
 * @param e2eMs                 arrival → last token
 * @param interactivity         1000 / TPOT per request (tokens per second per user); null when no request has a
 *                              TPOT above 0
 * @param failed                requests that failed (an endpoint's error, timeout or broken stream), left out of
 *                              everything else; 0 for the engine in this process and in older results
 * @param itlChunkMs            every gap between consecutive streamed chunks, pooled (ITL per chunk, where
 *                              {@code itlMs} is per token); null where every token came on its own
 * @param sendLagMs             how late an endpoint's client sent each request behind its schedule (the load
 *                              generator's lag); null where not recorded
 */
public record ServingSummary(int completed, int incomplete, long inputTokens, long outputTokens,
        double durationSeconds, double requestsPerSecond, double inputTokensPerSecond, double outputTokensPerSecond,
        double totalTokensPerSecond, Summary ttftMs, Summary tpotMs, Summary itlMs, Summary e2eMs,
        Summary interactivity, int failed, Summary itlChunkMs, Summary sendLagMs) {

    /** A summary without failures, chunks or send times: the engine in this process. */
    public ServingSummary(int completed, int incomplete, long inputTokens, long outputTokens, double durationSeconds,
            double requestsPerSecond, double inputTokensPerSecond, double outputTokensPerSecond,
            double totalTokensPerSecond, Summary ttftMs, Summary tpotMs, Summary itlMs, Summary e2eMs,
            Summary interactivity) {
        this(completed, incomplete, inputTokens, outputTokens, durationSeconds, requestsPerSecond,
                inputTokensPerSecond, outputTokensPerSecond, totalTokensPerSecond, ttftMs, tpotMs, itlMs, e2eMs,
                interactivity, 0, null, null);
    }

    /** {@code m} without its per-request list. */
    public static ServingSummary of(ServingMetrics m) {
        return new ServingSummary(m.completed(), m.incomplete(), m.inputTokens(), m.outputTokens(),
                m.durationSeconds(), m.requestsPerSecond(), m.inputTokensPerSecond(), m.outputTokensPerSecond(),
                m.totalTokensPerSecond(), m.ttftMs(), m.tpotMs(), m.itlMs(), m.e2eMs(), m.interactivity(), m.failed(),
                m.itlChunkMs(), m.sendLagMs());
    }

    /** Every request: completed, failed or not finished. */
    public int requests() {
        return completed + incomplete + failed;
    }

    /** Failed requests / all requests; 0 where none failed. */
    public double errorRate() {
        return requests() == 0 ? 0 : (double) failed / requests();
    }
}
