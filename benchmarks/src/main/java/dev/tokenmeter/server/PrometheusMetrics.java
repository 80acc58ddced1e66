package dev.tokenmeter.server;

import dev.tokenmeter.serving.LiveScheduler;
import java.util.Locale;

/**
 * {@code GET /metrics} in Prometheus' text format (version 0.0.4), every name prefixed {@code tokenmeter_}: the
 * scheduler's gauges and counters ({@link LiveScheduler.Stats}) and the server's refusals. docs/server.md lists
 * them; the names follow vLLM's where vLLM has the same figure, so that a dashboard maps one onto the other.
 */
final class PrometheusMetrics {
    private PrometheusMetrics() {
    }

    static String render(LiveScheduler.Stats s, long rejected, String model) {
        String label = "{model_name=\"" + escape(model) + "\"}";
        StringBuilder b = new StringBuilder(4096);
        gauge(b, "tokenmeter_num_requests_running", "Requests in the running batch (holding a slot).", label,
                s.running());
        gauge(b, "tokenmeter_num_requests_waiting", "Requests waiting for admission (preempted ones included).",
                label, s.waiting());
        gauge(b, "tokenmeter_kv_cache_usage_ratio", "Fraction of the KV cache's blocks in use, 0 to 1.", label,
                s.kvBlocksTotal() == 0 ? 0 : (double) s.kvBlocksUsed() / s.kvBlocksTotal());
        gauge(b, "tokenmeter_kv_cache_blocks_used", "KV-cache blocks held by running requests.", label,
                s.kvBlocksUsed());
        gauge(b, "tokenmeter_kv_cache_blocks_total", "KV-cache blocks in all.", label, s.kvBlocksTotal());
        counter(b, "tokenmeter_prompt_tokens_total", "Prompt tokens of the requests admitted.", label,
                s.promptTokens());
        counter(b, "tokenmeter_generation_tokens_total", "Tokens generated.", label, s.generationTokens());
        counter(b, "tokenmeter_request_success_total", "Requests that generated all their tokens.", label,
                s.completed());
        counter(b, "tokenmeter_request_cancelled_total", "Requests withdrawn because their client went away.",
                label, s.cancelled());
        counter(b, "tokenmeter_request_failed_total", "Requests ended by a shutdown or an engine failure.", label,
                s.failed());
        counter(b, "tokenmeter_request_rejected_total", "API requests answered with an error status (4xx, 5xx).",
                label, rejected);
        counter(b, "tokenmeter_num_preemptions_total", "Times a running request lost its KV cache for another.",
                label, s.preemptions());
        counter(b, "tokenmeter_engine_steps_total", "Engine steps run.", label, s.steps());
        String name = "tokenmeter_request_queue_time_seconds";
        b.append("# HELP ").append(name).append(" Time from a request's arrival to its admission to the batch.\n");
        b.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        long[] counts = s.queueTimeBuckets();
        for (int i = 0; i < counts.length; i++) {
            cumulative += counts[i];
            double le = LiveScheduler.QUEUE_TIME_BUCKETS[i];
            b.append(name).append("_bucket{model_name=\"").append(escape(model)).append("\",le=\"")
                    .append(Double.isInfinite(le) ? "+Inf" : number(le)).append("\"} ").append(cumulative)
                    .append('\n');
        }
        b.append(name).append("_sum").append(label).append(' ').append(number(s.queueTimeSumSeconds()))
                .append('\n');
        b.append(name).append("_count").append(label).append(' ').append(cumulative).append('\n');
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, String label, double value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        b.append(name).append(label).append(' ').append(number(value)).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, String label, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n");
        b.append(name).append(label).append(' ').append(value).append('\n');
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s",
                v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
