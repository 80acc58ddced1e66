package dev.tokenmeter.plan;


/**
 * What one GPU does at one operating point: an offline point (one batch size; medians and p99s over its trials),
 * a serving point (one offered load; p99s over its requests), or one derived from a measured point for another
 * length mix or another GPU. Rates are per GPU; latencies in milliseconds. NaN marks a figure that is unknown (a
 * decode-only projection's TTFT and rates) or undefined (TPOT of one-token outputs).
 *
 * <p>The derivations use one model of a static batch's time: a prefill of the whole batch (TTFT) followed by
 * {@code output − 1} decode steps of TPOT each, so a trial lasts TTFT + TPOT × (output − 1) and requests/s is
 * batch over that. Deriving a point rescales the two parts and scales the measured rates by the ratio of the old
 * total to the new one, which leaves the measured figures untouched where nothing changes.
 *
 * <p>A serving point is used as measured, at its own length mix; the only thing derived from it is its
 * {@link #timeScaled} projection.
 *
 * @param label                 how tables name the point: "batch 8", or the serving point's label ("rate 4.00")
 * @param batch                 the batch size of an offline point; 0 for a serving point (continuous batching has
 *                              no fixed batch)
 * @param promptLength          prompt tokens per request; for a serving point the mean over its completed
 *                              requests, rounded
 * @param outputLength          output tokens per request; for a serving point the mean, rounded
 * @param decodeTokensPerSecond tokens per second while decoding, batch / TPOT (median); NaN for a serving point,
 *                              whose steps mix prompt chunks and decodes
 * @param disqualified          why a serving point's latencies are not steady-state, so that it never qualifies
 *                              as an operating point: its offered load was not sustained (the queue kept
 *                              growing), or it ended with requests unfinished, whose latencies are missing from
 *                              its percentiles. Null otherwise
 */
public record PointEstimate(String label, int batch, int promptLength, int outputLength, double ttftP50Ms,
        double ttftP99Ms, double tpotP50Ms, double tpotP99Ms, double requestsPerSecond, double inputTokensPerSecond,
        double outputTokensPerSecond, double decodeTokensPerSecond, String disqualified) {

    /** Whether this is a serving point (it has no fixed batch). */
    public boolean isServing() {
        return batch == 0;
    }

    /** Time of the prefill step, ms: the median TTFT (every request of a static batch arrives at once). */
    public double prefillMs() {
        return ttftP50Ms;
    }

    /** Time of all decode steps, ms: TPOT × (output − 1); 0 for one-token outputs. */
    public double decodeMs() {
        return outputLength > 1 ? tpotP50Ms * (outputLength - 1) : 0;
    }

    /** Share of a trial's time spent in prefill, in [0, 1]. */
    public double prefillShare() {
        return prefillMs() / (prefillMs() + decodeMs());
    }

    /**
     * APPROXIMATION: this point for another length mix, from its own times. The prefill time (TTFT) is scaled by
     * the prompt lengths' ratio (prefill is compute-bound, its FLOPs nearly proportional to prompt tokens; the
     * attention's quadratic part is ignored); decode takes {@code output − 1} steps at the measured TPOT (the
     * growth of KV reads with a longer context is ignored). Requests/s follows from the new trial time.
     */
    public PointEstimate withMix(int prompt, int output) {
        if (prompt < 1 || output < 1) {
            throw new IllegalArgumentException("prompt and output lengths must be >= 1, got " + prompt + " and "
                    + output);
        }
        if (prompt == promptLength && output == outputLength) {
            return this;
        }
        if (isServing()) {
            throw new IllegalArgumentException("a serving point's latencies include queueing, which does not rescale"
                    + " with the lengths; measure prompt " + prompt + " / output " + output + " with serve");
        }
        if (output > 1 && outputLength <= 1) {
            throw new IllegalArgumentException("the result's outputs are one token long, so it measured no decode"
                    + " step to estimate " + output + "-token outputs from");
        }
        double k = (double) prompt / promptLength;
        double prefill = prefillMs() * k;
        double decode = output > 1 ? tpotP50Ms * (output - 1) : 0;
        double requests = requestsPerSecond * (prefillMs() + decodeMs()) / (prefill + decode);
        return new PointEstimate(label, batch, prompt, output, prefill, ttftP99Ms * k,
                output > 1 ? tpotP50Ms : Double.NaN, output > 1 ? tpotP99Ms : Double.NaN, requests,
                requests * prompt, requests * output, output > 1 ? decodeTokensPerSecond : Double.NaN, disqualified);
    }

    /**
     * PROJECTION: this point on another device, scaling the prefill time by {@code prefillFactor} and the decode
     * time by {@code decodeFactor} (each a time ratio, new over old: below 1 is faster). With a NaN
     * {@code prefillFactor} (no FLOP/s figure) only decode is projected: TPOT and decode tok/s; TTFT and every
     * rate that depends on the prefill are NaN.
     */
    public PointEstimate projected(double prefillFactor, double decodeFactor) {
        if (!(decodeFactor > 0) || !Double.isFinite(decodeFactor)) {
            throw new IllegalArgumentException("decodeFactor must be a finite ratio > 0, got " + decodeFactor);
        }
        if (!Double.isNaN(prefillFactor) && (!(prefillFactor > 0) || !Double.isFinite(prefillFactor))) {
            throw new IllegalArgumentException("prefillFactor must be NaN (unknown) or a finite ratio > 0, got "
                    + prefillFactor);
        }
        double tpot50 = tpotP50Ms * decodeFactor;
        double tpot99 = tpotP99Ms * decodeFactor;
        double decodeRate = decodeTokensPerSecond / decodeFactor;
        if (Double.isNaN(prefillFactor)) {
            return new PointEstimate(label, batch, promptLength, outputLength, Double.NaN, Double.NaN, tpot50,
                    tpot99, Double.NaN, Double.NaN, Double.NaN, decodeRate, disqualified);
        }
        double speedup = (prefillMs() + decodeMs()) / (prefillMs() * prefillFactor + decodeMs() * decodeFactor);
        return new PointEstimate(label, batch, promptLength, outputLength, ttftP50Ms * prefillFactor,
                ttftP99Ms * prefillFactor, tpot50, tpot99, requestsPerSecond * speedup,
                inputTokensPerSecond * speedup, outputTokensPerSecond * speedup, decodeRate, disqualified);
    }

    /**
     * PROJECTION of a serving point: the same run with every duration multiplied by {@code factor} (below 1 is
     * faster) and every arrival time too. A server whose steps all take {@code factor} times as long, offered the
     * same requests at 1 / {@code factor} times the rate, goes through the same states in the same order (the
     * scheduler's choices depend on its queue, not on the clock), so each latency is multiplied by
     * {@code factor} and each rate divided by it. Host work that does not scale with the GPU is ignored.
     */
    public PointEstimate timeScaled(double factor) {
        if (!(factor > 0) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("factor must be a finite ratio > 0, got " + factor);
        }
        return new PointEstimate(label, batch, promptLength, outputLength, ttftP50Ms * factor, ttftP99Ms * factor,
                tpotP50Ms * factor, tpotP99Ms * factor, requestsPerSecond / factor, inputTokensPerSecond / factor,
                outputTokensPerSecond / factor, decodeTokensPerSecond / factor, disqualified);
    }
}
