package dev.tokenmeter.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static final String PAGE = "# HELP vllm:request_queue_time_seconds Histogram of time spent in WAITING.\n"
            + "# TYPE vllm:request_queue_time_seconds histogram\n"
            + "vllm:request_queue_time_seconds_bucket{engine=\"0\",le=\"0.3\",model_name=\"m\"} 3.0\n"
            + "vllm:request_queue_time_seconds_sum{engine=\"0\",model_name=\"m\"} 1.5\n"
            + "vllm:request_queue_time_seconds_count{engine=\"0\",model_name=\"m\"} 3.0\n"
            + "vllm:request_queue_time_seconds_sum{engine=\"1\",model_name=\"m\"} 0.5\n"
            + "vllm:request_queue_time_seconds_count{engine=\"1\",model_name=\"m\"} 1\n"
            + "\n"
            + "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.25\n"
            + "vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"m\"} 0.75 1712345678000\n"
            + "odd{path=\"a \\\"quoted\\\" \\\\ value\\n\",x=\"}\"} +Inf\r\n"
            + "not_a_number abc\n"
            + "broken{label=\"unterminated} 1\n"
            + "nan_gauge NaN\n"
            + "tokenmeter_kv_cache_usage_ratio 1e-1\n";

    @Test
    void samplesWithLabelsEscapesAndSpecialValues() {
        PrometheusText t = PrometheusText.parse(PAGE);
        assertEquals(2.0, t.sum("vllm:request_queue_time_seconds_sum"));
        assertEquals(4.0, t.sum("vllm:request_queue_time_seconds_count"));
        assertEquals(0.5, t.mean("vllm:kv_cache_usage_perc"));
        assertEquals(List.of(0.25, 0.75), t.values("vllm:kv_cache_usage_perc"));
        assertEquals(0.1, t.sum("tokenmeter_kv_cache_usage_ratio"));
        PrometheusText.Sample odd = t.samples().stream().filter(s -> s.name().equals("odd")).findFirst().get();
        assertEquals(Map.of("path", "a \"quoted\" \\ value\n", "x", "}"), odd.labels());
        assertEquals(Double.POSITIVE_INFINITY, odd.value());
        assertTrue(Double.isNaN(t.sum("nan_gauge")));
    }

    @Test
    void linesThatAreNotSamplesAreSkipped() {
        PrometheusText t = PrometheusText.parse(PAGE);
        assertNull(t.sum("not_a_number"));
        assertNull(t.sum("broken"));
        assertNull(t.sum("absent"));
        assertEquals(10, t.samples().size());
    }
}
