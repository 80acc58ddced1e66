package dev.tokenmeter.result;

import java.util.List;

/**
 * What defines a serving run ({@code tokenmeter serve}), so that it can be repeated: the load, the lengths, the
 * SLOs and the scheduler's limits.
 *
 * @param mode               "rate" (open loop, one point per rate), "concurrency" (closed loop), "trace" or
 *                           "search" (the highest rate meeting the SLOs)
 * @param rates              offered rates, requests/s, for mode "rate"; empty otherwise
 * @param burstiness         gamma shape of the inter-arrival times (1: Poisson)
 * @param concurrencies      requests in flight, for mode "concurrency"; empty otherwise
 * @param trace              the trace file's name, for mode "trace"; null otherwise
 * @param traceScale         factor on the trace's times
 * @param searchLow          lower end of the searched rates, requests/s (0 unless mode "search")
 * @param searchHigh         upper end of the searched rates, requests/s (0 unless mode "search")
 * @param requests           requests per point
 * @param promptLength       prompt tokens: "N" or "LO:HI" (uniform)
 * @param outputLength       output tokens: "N" or "LO:HI" (uniform)
 * @param slo                the SLOs as given to {@code --slo}, normalized, or null
 * @param maxSequences       sequences running at once
 * @param maxTokensPerStep   token budget of one step
 * @param kvBlockSize        positions per KV-cache block
 * @param kvBlocks           KV-cache blocks
 * @param warmupRequests     requests served before the points are measured
 * @param maxDurationSeconds time limit of one point
 */
public record ServingSpec(String mode, List<Double> rates, double burstiness, List<Integer> concurrencies,
        String trace, double traceScale, double searchLow, double searchHigh, int requests, String promptLength,
        String outputLength, String slo, int maxSequences, int maxTokensPerStep, int kvBlockSize, int kvBlocks,
        int warmupRequests, double maxDurationSeconds) {
    public ServingSpec {
        rates = rates == null ? List.of() : List.copyOf(rates);
        concurrencies = concurrencies == null ? List.of() : List.copyOf(concurrencies);
    }
}
