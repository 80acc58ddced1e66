package dev.tokenmeter.plan;

import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Latency limits an operating point must meet, on p99s (MLPerf Server's convention). A stand-in for the serving
 * SLOs ({@code --slo ttft=2s,tpot=100ms}) until their parser exists; these two limits then come from it.
 *
 * @param maxTtftMs largest TTFT p99 allowed, milliseconds, or null for no limit
 * @param maxTpotMs largest TPOT p99 allowed, milliseconds, or null for no limit
 */
public record Constraints(Double maxTtftMs, Double maxTpotMs) {
    public static final Constraints NONE = new Constraints(null, null);

    public Constraints {
        check("maxTtftMs", maxTtftMs);
        check("maxTpotMs", maxTpotMs);
    }

    private static void check(String field, Double v) {
        if (v != null && (!(v > 0) || !Double.isFinite(v))) {
            throw new IllegalArgumentException(field + " must be a finite number of milliseconds > 0, got " + v);
        }
    }

    /** Whether there is no limit at all. */
    public boolean empty() {
        return maxTtftMs == null && maxTpotMs == null;
    }

    /**
     * What {@code p} breaks, one line each ("TPOT p99 120 ms > 100 ms"); empty when it meets every limit. A latency
     * that is not known (a decode-only projection's TTFT) or does not exist (TPOT of one-token outputs) breaks
     * nothing here: {@link #unchecked} names it.
     */
    public List<String> violations(PointEstimate p) {
        List<String> out = new ArrayList<>();
        if (maxTtftMs != null && p.ttftP99Ms() > maxTtftMs) {
            out.add("TTFT p99 " + ms(p.ttftP99Ms()) + " ms > " + ms(maxTtftMs) + " ms");
        }
        if (maxTpotMs != null && p.tpotP99Ms() > maxTpotMs) {
            out.add("TPOT p99 " + ms(p.tpotP99Ms()) + " ms > " + ms(maxTpotMs) + " ms");
        }
        return out;
    }

    /** The limits that could not be checked on {@code p} because the latency is unknown ("TTFT"). */
    public List<String> unchecked(PointEstimate p) {
        List<String> out = new ArrayList<>();
        if (maxTtftMs != null && Double.isNaN(p.ttftP99Ms())) {
            out.add("TTFT");
        }
        if (maxTpotMs != null && Double.isNaN(p.tpotP99Ms()) && p.outputLength() > 1) {
            out.add("TPOT");
        }
        return out;
    }

    /**
     * How far {@code p} is from meeting the limits: the largest ratio of a p99 to its limit (at most 1 when it
     * meets them all; unknown latencies count as met). Picks the closest point when none meets them.
     */
    public double worstRatio(PointEstimate p) {
        double worst = 0;
        if (maxTtftMs != null && Double.isFinite(p.ttftP99Ms())) {
            worst = Math.max(worst, p.ttftP99Ms() / maxTtftMs);
        }
        if (maxTpotMs != null && Double.isFinite(p.tpotP99Ms())) {
            worst = Math.max(worst, p.tpotP99Ms() / maxTpotMs);
        }
        return worst;
    }

    /** {@code "TTFT p99 <= 2000 ms, TPOT p99 <= 100 ms"}, or "none". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (maxTtftMs != null) {
            parts.add("TTFT p99 <= " + ms(maxTtftMs) + " ms");
        }
        if (maxTpotMs != null) {
            parts.add("TPOT p99 <= " + ms(maxTpotMs) + " ms");
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /** Milliseconds to four significant digits, without trailing zeros (100, 6.403). */
    static String ms(double v) {
        String s = TextTable.significant(v, 4);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("\\.?0+$", "") : s;
    }
}
