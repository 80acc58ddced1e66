package dev.tokenmeter.compare;

import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.scenario.serving.ServingSummary;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Serving results built by hand, without a run: each point's summaries are set directly, so that a test chooses
 * its figures and verdicts. A point at latency scale 1 has TTFT p50/p99 300/800 ms and TPOT p50/p99 40/60 ms
 * against the SLOs TTFT p99 ≤ 2 s and TPOT p99 ≤ 100 ms, so it meets them up to a scale of 5/3 (TPOT p99 then
 * reaches its limit) and misses them beyond.
 */
final class ServingFixtures {
    static final String SLO = "ttft:p99=2000ms,tpot:p99=100ms";
    static final double TTFT_P50 = 300;
    static final double TTFT_P99 = 800;
    static final double TPOT_P50 = 40;
    static final double TPOT_P99 = 60;
    static final int REQUESTS = 100;
    static final int OUTPUT_TOKENS = 32;
    /** The serving metrics' labels, in table order. */
    static final List<String> METRICS = List.of("req/s", "output tok/s", "TTFT p50", "TTFT p99", "TPOT p50",
            "TPOT p99", "ITL p99", "E2E p99", "goodput");

    private ServingFixtures() {
    }

    /** "rate 2.00", "search 2.25", as {@code serve} names its points. */
    static String label(ServingMode mode, double rate) {
        return mode.label() + " " + String.format(Locale.ROOT, "%.3g", rate);
    }

    /**
     * An open-loop point at {@code rate} req/s held to {@link #SLO}: every latency times {@code latencyScale}; the
     * achieved rate is the offered one, or 80% of it when overloaded. {@code load} is "STEADY", "OVERLOADED" or
     * "NOT_JUDGED".
     */
    static ServingPoint point(ServingMode mode, double rate, double latencyScale, String load) {
        return point(label(mode, rate), mode, rate, 0, latencyScale, load, SLO, 0);
    }

    /**
     * A point with every choice open: {@code slo} null for none, {@code incomplete} requests left out of the
     * figures.
     */
    static ServingPoint point(String label, ServingMode mode, double rate, int concurrency, double latencyScale,
            String load, String slo, int incomplete) {
        boolean overloaded = "OVERLOADED".equals(load);
        double achieved = Double.isNaN(rate) ? concurrency * 1000 / (TTFT_P50 + OUTPUT_TOKENS * TPOT_P50)
                / latencyScale : overloaded ? 0.8 * rate : rate;
        int completed = REQUESTS - incomplete;
        double duration = completed / achieved;
        Summary ttft = summary(TTFT_P50 * latencyScale, TTFT_P99 * latencyScale);
        Summary tpot = summary(TPOT_P50 * latencyScale, TPOT_P99 * latencyScale);
        Summary itl = summary(TPOT_P50 * latencyScale, TPOT_P99 * 1.5 * latencyScale);
        Summary e2e = summary((TTFT_P50 + 31 * TPOT_P50) * latencyScale, (TTFT_P99 + 31 * TPOT_P99) * latencyScale);
        Summary interactivity = summary(1000 / tpot.p50(), 1000 / tpot.p99());
        ServingSummary m = new ServingSummary(completed, incomplete, 128L * completed,
                (long) OUTPUT_TOKENS * completed, duration, achieved, 128 * achieved, OUTPUT_TOKENS * achieved,
                (128 + OUTPUT_TOKENS) * achieved, ttft, tpot, itl, e2e, interactivity);
        ServingPoint.SloResult sloResult = null;
        if (slo != null) {
            if (!SLO.equals(slo)) {
                throw new IllegalArgumentException("the fixtures check only " + SLO);
            }
            boolean ttftMet = ttft.p99() <= 2000;
            boolean tpotMet = tpot.p99() <= 100;
            double goodFraction = ttftMet && tpotMet ? 1.0 : 0.6;
            sloResult = new ServingPoint.SloResult(slo, (int) (goodFraction * completed), goodFraction * achieved,
                    goodFraction, ttftMet && tpotMet, List.of(
                            new ServingPoint.SloCheckResult("ttft", 99, 2000, ttft.p99(), ttftMet),
                            new ServingPoint.SloCheckResult("tpot", 99, 100, tpot.p99(), tpotMet)));
        }
        return new ServingPoint(label, mode, rate, concurrency, REQUESTS, "128", "32", 4000, 0, m, sloResult,
                new ServingPoint.LoadResult(SustainedLoad.Status.valueOf(load),
                        overloaded ? "the queue kept growing" : "kept up"), null, null,
                null, null, null, null);
    }

    /** A summary of 100 samples whose median and p99 are as given. */
    static Summary summary(double p50, double p99) {
        double mean = (p50 + p99) / 2;
        return new Summary(REQUESTS, mean, p99 - p50, p50 / 2, p50, p99 * 0.9, p99 * 0.95, p99, p99 * 1.1,
                mean * 0.95, mean * 1.05, 1, (p99 - p50) / mean);
    }

    /** A rate sweep over {@code rates} with {@link #SLO}, 128-token prompts and 32 output tokens. */
    static ServingSpec rateSpec(List<Double> rates) {
        return spec(ServingMode.RATE, rates, List.of());
    }

    /** A search over 0.5 to 4 req/s with {@link #SLO}, 128-token prompts and 32 output tokens. */
    static ServingSpec searchSpec() {
        return spec(ServingMode.SEARCH, List.of(), List.of());
    }

    /** A closed loop over {@code concurrencies}, otherwise as {@link #rateSpec}. */
    static ServingSpec closedSpec(List<Integer> concurrencies) {
        return spec(ServingMode.CONCURRENCY, List.of(), concurrencies);
    }

    private static ServingSpec spec(ServingMode mode, List<Double> rates, List<Integer> concurrencies) {
        boolean search = mode == ServingMode.SEARCH;
        return new ServingSpec(mode, rates, 1.0, concurrencies, null, null, 1.0, search ? 0.5 : 0, search ? 4 : 0, 0, 0,
                REQUESTS, LengthDistribution.fixed(128), LengthDistribution.fixed(32), SloSet.parse(SLO), 64, 256,
                16, 1024, 8, 0, 600, 1);
    }

    /** {@code s} with other lengths, step budget, block size and burstiness. */
    static ServingSpec withSpec(ServingSpec s, String promptLength, int maxTokensPerStep, int kvBlockSize,
            double burstiness) {
        return new ServingSpec(s.mode(), s.rates(), burstiness, s.concurrencies(), s.trace(), s.traceArrivals(),
                s.traceScale(), s.searchLow(), s.searchHigh(), 0, 0, s.requests(),
                LengthDistribution.fromText(promptLength),
                s.outputLength(), s.slo(), s.maxSequences(), maxTokensPerStep, kvBlockSize, s.kvBlocks(),
                s.warmupRequests(), s.warmupMaxSeconds(), s.maxDurationSeconds(), s.repeat());
    }

    /** {@code s} without SLOs. */
    static ServingSpec withoutSlo(ServingSpec s) {
        return new ServingSpec(s.mode(), s.rates(), s.burstiness(), s.concurrencies(), s.trace(), s.traceArrivals(),
                s.traceScale(), s.searchLow(), s.searchHigh(), 0, 0, s.requests(), s.promptLength(), s.outputLength(),
                null, s.maxSequences(), s.maxTokensPerStep(), s.kvBlockSize(), s.kvBlocks(), s.warmupRequests(),
                s.warmupMaxSeconds(), s.maxDurationSeconds(), s.repeat());
    }

    /** A serving result of the tiny model on the CPU, seed 42, with the given points and spec. */
    static Result result(ServingSpec spec, List<ServingPoint> points) {
        return result(ModelPresets.get("tiny"), 42, spec, points);
    }

    static Result result(ModelConfig model, long seed, ServingSpec spec, List<ServingPoint> points) {
        return result(model, seed, spec, points, true);
    }

    static Result result(ModelConfig model, long seed, ServingSpec spec, List<ServingPoint> points,
            boolean complete) {
        RunSpec runSpec = new RunSpec(model, "cpu", seed, 0, null, spec);
        return Result.of("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", complete, runSpec,
                CompareFixtures.environment("cpu", "Test CPU 9000"), points, List.of());
    }

    /** A rate sweep: one steady point per rate at the given latency scale. */
    static Result sweep(double latencyScale, double... rates) {
        List<ServingPoint> points = new ArrayList<>();
        List<Double> list = new ArrayList<>();
        for (double r : rates) {
            points.add(point(ServingMode.RATE, r, latencyScale, "STEADY"));
            list.add(r);
        }
        return result(rateSpec(list), points);
    }
}
