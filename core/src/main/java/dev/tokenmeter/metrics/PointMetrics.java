package dev.tokenmeter.metrics;

import dev.tokenmeter.measure.Summary;
import java.util.List;

/**
 * The latency and throughput metrics of one measured point, as DESIGN defines them, each summarized over the
 * point's trials. Latencies in milliseconds, rates per second. {@code tpotMs} and {@code itlMs} are null when
 * a request produces a single token (they are undefined then).
 *
 * @param requests       requests per trial
 * @param inputTokens    prompt tokens per trial, all requests
 * @param outputTokens   generated tokens per trial, all requests (the token ids themselves, never re-tokenized)
 */
public record PointMetrics(
        int requests,
        long inputTokens,
        long outputTokens,
        Summary ttftMs,
        Summary tpotMs,
        Summary itlMs,
        Summary e2eMs,
        Summary outputTokensPerSecond,
        Summary inputTokensPerSecond,
        Summary totalTokensPerSecond,
        Summary requestsPerSecond,
        Summary prefillTokensPerSecond,
        Summary decodeTokensPerSecond) {

    /**
     * Metrics of an offline point: {@code batch} requests arriving together at each trial's start, each with a
     * {@code promptLength}-token prompt, each generating {@code outputLength} tokens (the first from the prefill
     * step, one more per decode step).
     */
    public static PointMetrics offline(int batch, int promptLength, int outputLength, List<TrialRecord> trials) {
        if (trials.isEmpty()) {
            throw new IllegalArgumentException("a point needs at least one trial");
        }
        int n = trials.size();
        double[] ttft = new double[n];
        double[] tpot = new double[n];
        double[] e2e = new double[n];
        double[] outRate = new double[n];
        double[] inRate = new double[n];
        double[] totalRate = new double[n];
        double[] reqRate = new double[n];
        double[] prefillRate = new double[n];
        double[] decodeRate = new double[n];
        int gaps = 0;
        for (TrialRecord t : trials) {
            if (t.decodeStepMs().length != outputLength - 1) {
                throw new IllegalArgumentException("a trial of output length " + outputLength + " must have "
                        + (outputLength - 1) + " decode steps, got " + t.decodeStepMs().length);
            }
            gaps += t.decodeStepMs().length;
        }
        // Every request of a static batch receives its tokens at the same step boundaries, so the pooled list of
        // every request's inter-token gaps holds each step gap once per request.
        double[] itl = new double[gaps * batch];
        long input = (long) batch * promptLength;
        long output = (long) batch * outputLength;
        int g = 0;
        for (int i = 0; i < n; i++) {
            TrialRecord t = trials.get(i);
            double durationS = t.e2eMs() / 1e3;
            ttft[i] = t.prefillMs();
            e2e[i] = t.e2eMs();
            tpot[i] = outputLength > 1 ? (t.e2eMs() - t.prefillMs()) / (outputLength - 1) : Double.NaN;
            outRate[i] = output / durationS;
            inRate[i] = input / durationS;
            totalRate[i] = (input + output) / durationS;
            reqRate[i] = batch / durationS;
            prefillRate[i] = input / (t.prefillMs() / 1e3);
            decodeRate[i] = outputLength > 1 ? (double) batch * (outputLength - 1) / (t.decodeMs() / 1e3) : Double.NaN;
            for (double d : t.decodeStepMs()) {
                for (int r = 0; r < batch; r++) {
                    itl[g++] = d;
                }
            }
        }
        boolean multi = outputLength > 1;
        return new PointMetrics(batch, input, output, Summary.of(ttft), multi ? Summary.of(tpot) : null,
                multi ? Summary.of(itl) : null, Summary.of(e2e), Summary.of(outRate), Summary.of(inRate),
                Summary.of(totalRate), Summary.of(reqRate), Summary.of(prefillRate),
                multi ? Summary.of(decodeRate) : null);
    }

    /** Interactivity: tokens per second seen by one user, 1 / TPOT (median). NaN when TPOT is undefined. */
    public double interactivityTokensPerSecond() {
        return tpotMs == null ? Double.NaN : 1e3 / tpotMs.p50();
    }
}
