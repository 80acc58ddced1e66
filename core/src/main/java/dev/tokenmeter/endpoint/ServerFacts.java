package dev.tokenmeter.endpoint;

/**
 * What the server itself said about a run, beside the client's figures: the model it serves (from
 * {@code /v1/models}) and, where it exposes Prometheus {@code /metrics}, its own queue time and KV-cache usage.
 * A piece the server does not expose is null. Read from vLLM's names ({@code vllm:request_queue_time_seconds},
 * {@code vllm:kv_cache_usage_perc}, formerly {@code vllm:gpu_cache_usage_perc}) and tokenmeter server's
 * ({@code tokenmeter_request_queue_time_seconds}, {@code tokenmeter_kv_cache_usage_ratio}).
 *
 * @param model            the served model's id
 * @param maxModelLen      its context length, where {@code /v1/models} gives it ({@code max_model_len})
 * @param queuedRequests   requests whose queue time the server counted during the run (histogram count's increase)
 * @param meanQueueSeconds their mean time in the server's queue (histogram sum's increase over the count's)
 * @param kvCacheUsagePeak the highest KV-cache usage sampled during the run, 0..1
 * @param kvCacheUsageMean the mean of those samples, 0..1
 * @param kvCacheSamples   how many samples (one every 250 ms, plus one before and one after the run)
 */
public record ServerFacts(String model, Integer maxModelLen, Long queuedRequests, Double meanQueueSeconds,
        Double kvCacheUsagePeak, Double kvCacheUsageMean, int kvCacheSamples) {
    /** The facts of a server that exposes nothing but its model (or not even that). */
    public static ServerFacts modelOnly(String model, Integer maxModelLen) {
        return new ServerFacts(model, maxModelLen, null, null, null, null, 0);
    }
}
