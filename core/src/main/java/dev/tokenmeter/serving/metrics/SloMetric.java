package dev.tokenmeter.serving.metrics;

import dev.tokenmeter.measure.Summary;
import java.util.Locale;

/**
 * A latency that a service-level objective can bound, with its run-level distribution (for the percentile check)
 * and its per-request value (for goodput).
 */
public enum SloMetric {
    /** Time to first token; per request its TTFT. */
    TTFT("ttft"),
    /** Time per output token after the first; per request its TPOT (undefined, so met, for one output token). */
    TPOT("tpot"),
    /**
     * Inter-token latency. The run-level distribution pools every gap; per request the rule is its
     * <em>largest</em> gap, so a request meets an ITL bound only when every one of its gaps does (undefined, so
     * met, for one output token).
     */
    ITL("itl"),
    /** End-to-end latency, arrival → last token; per request its E2E. */
    E2E("e2e");

    private final String label;

    SloMetric(String label) {
        this.label = label;
    }

    /** The name {@code --slo} uses: "ttft", "tpot", "itl" or "e2e". */
    public String label() {
        return label;
    }

    /** The metric named {@code label} (any case), or null when none is. */
    public static SloMetric ofLabel(String label) {
        String l = label.toLowerCase(Locale.ROOT);
        for (SloMetric m : values()) {
            if (m.label.equals(l)) {
                return m;
            }
        }
        return null;
    }

    /** This metric's distribution over the run, in ms; null where it is undefined (TPOT, ITL of 1-token runs). */
    public Summary summary(ServingMetrics m) {
        return switch (this) {
            case TTFT -> m.ttftMs();
            case TPOT -> m.tpotMs();
            case ITL -> m.itlMs();
            case E2E -> m.e2eMs();
        };
    }

    /** This metric's value for one request, in ms; NaN where it is undefined (TPOT and ITL of one token). */
    public double valueMs(RequestLatency r) {
        return switch (this) {
            case TTFT -> r.ttftMs();
            case TPOT -> r.tpotMs();
            case ITL -> r.maxItlMs();
            case E2E -> r.e2eMs();
        };
    }
}
