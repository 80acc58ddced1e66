package dev.tokenmeter.endpoint;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads a server's Prometheus {@code /metrics} around a run: a scrape before and after (the queue-time histogram's
 * increase), and the KV-cache usage gauge sampled every 250 ms in between (without blocking anything: each sample
 * is an asynchronous request, and one that is slow or fails is simply missing). A server without {@code /metrics},
 * or without these names, gives null facts.
 */
final class ServerMetrics {
    static final List<String> QUEUE_HISTOGRAMS = List.of("vllm:request_queue_time_seconds",
            "tokenmeter_request_queue_time_seconds");
    static final List<String> KV_GAUGES = List.of("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
            "tokenmeter_kv_cache_usage_ratio");
    static final long SAMPLE_MILLIS = 250;

    private final HttpClient http;
    private final HttpRequest request;

    ServerMetrics(HttpClient http, Endpoint endpoint, String apiKey) {
        this.http = http;
        this.request = EndpointTarget.requestBuilder(endpoint, apiKey, "/metrics").timeout(Duration.ofSeconds(5))
                .GET().build();
    }

    /** One scrape, or null where there is no readable {@code /metrics}. */
    PrometheusText scrape() {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? PrometheusText.parse(r.body()) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Starts watching a run: the first scrape, then samples on {@code timer}. */
    Watch watch(ScheduledExecutorService timer) {
        return new Watch(timer);
    }

    /** One run's watch. */
    final class Watch {
        private final PrometheusText before;
        private final ScheduledFuture<?> sampler;
        private double kvSum;
        private double kvPeak = Double.NEGATIVE_INFINITY;
        private int kvSamples;

        private Watch(ScheduledExecutorService timer) {
            before = scrape();
            if (before != null) {
                kv(before);
                sampler = timer.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                sampler = null;
            }
        }

        private void sample() {
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
                if (r.statusCode() == 200) {
                    kv(PrometheusText.parse(r.body()));
                }
            });
        }

        private synchronized void kv(PrometheusText page) {
            for (String name : KV_GAUGES) {
                Double v = page.mean(name);
                if (v != null && Double.isFinite(v)) {
                    kvSum += v;
                    kvPeak = Math.max(kvPeak, v);
                    kvSamples++;
                    return;
                }
            }
        }

        /** Stops sampling, scrapes once more, and says what the server counted. */
        ServerFacts finish(String model, Integer maxModelLen) {
            if (before == null) {
                return ServerFacts.modelOnly(model, maxModelLen);
            }
            sampler.cancel(false);
            PrometheusText after = scrape();
            Long queued = null;
            Double meanQueue = null;
            if (after != null) {
                kv(after);
                for (String h : QUEUE_HISTOGRAMS) {
                    Double c0 = before.sum(h + "_count");
                    Double c1 = after.sum(h + "_count");
                    Double s0 = before.sum(h + "_sum");
                    Double s1 = after.sum(h + "_sum");
                    if (c0 != null && c1 != null && s0 != null && s1 != null) {
                        queued = Math.round(c1 - c0);
                        meanQueue = queued > 0 ? (s1 - s0) / (c1 - c0) : null;
                        break;
                    }
                }
            }
            synchronized (this) {
                return new ServerFacts(model, maxModelLen, queued, meanQueue,
                        kvSamples == 0 ? null : kvPeak, kvSamples == 0 ? null : kvSum / kvSamples, kvSamples);
            }
        }
    }
}
