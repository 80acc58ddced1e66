package dev.tokenmeter.metrics;

/**
 * The raw timings of one offline trial: B requests arriving together at the trial's start, one prefill step,
 * then one decode step per further output token. Host times come from System.nanoTime; device times from the
 * backend (CUDA events on a GPU). Milliseconds throughout.
 *
 * @param prefillMs        host time of the prefill step (arrival to first tokens on the host): the TTFT
 * @param decodeStepMs     host time of each decode step: the inter-token latencies
 * @param prefillDeviceMs  device time of the prefill step
 * @param decodeDeviceMs   device time of all decode steps together
 */
public record TrialRecord(double prefillMs, double[] decodeStepMs, double prefillDeviceMs, double decodeDeviceMs) {
    /** Arrival to the last token of every request. */
    public double e2eMs() {
        double total = prefillMs;
        for (double d : decodeStepMs) {
            total += d;
        }
        return total;
    }

    /** Host time of all decode steps together. */
    public double decodeMs() {
        return e2eMs() - prefillMs;
    }

    /**
     * The headline metric: output tokens per second over the trial's duration, for a trial of {@code batch}
     * requests each producing {@code outputLength} tokens (B·G / E2E).
     */
    public double outputTokensPerSecond(int batch, int outputLength) {
        return (double) batch * outputLength / (e2eMs() / 1e3);
    }
}
