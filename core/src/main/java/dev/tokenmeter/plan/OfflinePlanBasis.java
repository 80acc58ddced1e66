package dev.tokenmeter.plan;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The plan basis of an offline result: each batch size's medians and p99s over its trials, at the measured length
 * mix nearest the asked one, rescaled to it where they differ (an APPROXIMATION, at most
 * {@value #MAX_MIX_FACTOR} times away).
 */
record OfflinePlanBasis(List<PointEstimate> estimates, List<String> notes, int promptLength, int outputLength,
        String lengthMix, int measuredPromptLength, int measuredOutputLength, boolean approximated)
        implements PlanBasis {
    /**
     * How far (as a ratio of prompt or output lengths) the workload's mix may be from the measured one before the
     * plan refuses to estimate it: beyond, the ignored effects (attention's growth with context) are too large.
     */
    static final double MAX_MIX_FACTOR = 4;

    static OfflinePlanBasis of(Result result, String source, PlanInputs in) {
        List<String> notes = new ArrayList<>();
        List<OfflinePoint> usable = usablePoints(result.points(OfflinePoint.class), notes);
        if (usable.isEmpty()) {
            throw new TokenmeterException(source + ": every point is a measurement error; nothing to plan from");
        }
        int prompt = length(usable, in.promptLength(), true, source);
        int output = length(usable, in.outputLength(), false, source);
        int[] mix = nearestMix(usable, prompt, output, source);
        boolean approximated = mix[0] != prompt || mix[1] != output;
        if (approximated) {
            notes.add(0, String.format(Locale.ROOT, "APPROXIMATION: the result measured prompt %d / output %d"
                    + " tokens, not the asked %d / %d; each point was rescaled: prefill time (TTFT) in proportion to"
                    + " prompt tokens, decode as %d steps at the measured TPOT (attention's growth with context is"
                    + " ignored); measure this mix for real figures", mix[0], mix[1], prompt, output, output - 1));
        }
        if (!result.complete()) {
            notes.add("the result is INCOMPLETE: only the points it measured are used");
        }
        List<PointEstimate> estimates = new ArrayList<>();
        for (OfflinePoint p : usable) {
            if (p.promptLength() == mix[0] && p.outputLength() == mix[1]) {
                estimates.add(measured(p).withMix(prompt, output));
            }
        }
        estimates.sort(Comparator.comparingInt(PointEstimate::batch));
        return new OfflinePlanBasis(estimates, notes, prompt, output, "prompt " + prompt + ", output " + output,
                mix[0], mix[1], approximated);
    }

    /** A measured point's figures (medians of rates, p50 and p99 of latencies). */
    static PointEstimate measured(OfflinePoint p) {
        PointMetrics m = p.metrics();
        if (m == null) {
            throw new IllegalArgumentException("point batch " + p.batch() + " has no metrics");
        }
        boolean decodes = p.outputLength() > 1 && m.tpotMs() != null;
        double tpot50 = decodes ? m.tpotMs().p50() : Double.NaN;
        return new PointEstimate("batch " + p.batch(), p.batch(), p.promptLength(), p.outputLength(),
                m.ttftMs().p50(), m.ttftMs().p99(), tpot50, decodes ? m.tpotMs().p99() : Double.NaN,
                m.requestsPerSecond().p50(), m.inputTokensPerSecond().p50(), m.outputTokensPerSecond().p50(),
                decodes ? p.batch() * 1e3 / tpot50 : Double.NaN, null);
    }

    @Override
    public boolean wholeRunProjection() {
        return false;
    }

    /** A static batch's TTFT has no queueing in it: say how long a batch takes to fill at the planned rate. */
    @Override
    public List<String> notesAt(Deployment measured, List<Candidate> candidates, PlanInputs in) {
        if (!measured.feasible() || measured.gpus() == null) {
            return List.of();
        }
        PointEstimate op = measured.operatingPoint();
        double perGpu = in.rate() / measured.gpus();
        return List.of(String.format(Locale.ROOT, "from offline static batches: TTFT is a whole batch's prefill"
                + " from a standing start, without queueing or waiting for a batch to fill (at %s req/s per GPU"
                + " a batch of %d fills in about %s s); a continuous-batching server's latencies differ",
                TextTable.significant(perGpu, 4), op.batch(), TextTable.significant(op.batch() / perGpu, 3)));
    }

    /** Points with metrics and without a roofline violation; each one left out is noted. */
    private static List<OfflinePoint> usablePoints(List<OfflinePoint> points, List<String> notes) {
        List<OfflinePoint> out = new ArrayList<>();
        for (OfflinePoint p : points) {
            String violation = p.roofline() == null ? null : p.roofline().violation();
            if (p.metrics() == null) {
                notes.add(p.label() + ": left out, no metrics");
            } else if (violation != null) {
                notes.add(p.label() + ": left out, MEASUREMENT ERROR: " + violation);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** The asked prompt (or output) length, or the result's own when it measured only one. */
    private static int length(List<OfflinePoint> points, Integer asked, boolean prompt, String source) {
        if (asked != null) {
            return asked;
        }
        TreeSet<Integer> measured = new TreeSet<>();
        for (OfflinePoint p : points) {
            measured.add(prompt ? p.promptLength() : p.outputLength());
        }
        if (measured.size() > 1) {
            throw new IllegalArgumentException(source + ": the result measured " + (prompt ? "prompt" : "output")
                    + " lengths " + measured + "; choose the workload's " + (prompt ? "prompt" : "output")
                    + " length");
        }
        return measured.first();
    }

    /**
     * The measured (prompt, output) closest to the asked one on a log scale, refused beyond
     * {@link #MAX_MIX_FACTOR} in either length.
     */
    private static int[] nearestMix(List<OfflinePoint> points, int prompt, int output, String source) {
        int[] best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        TreeSet<String> seen = new TreeSet<>();
        for (OfflinePoint p : points) {
            seen.add(p.promptLength() + "/" + p.outputLength());
            double d = Math.abs(Math.log((double) prompt / p.promptLength()))
                    + Math.abs(Math.log((double) output / p.outputLength()));
            if (d < bestDistance) {
                bestDistance = d;
                best = new int[] {p.promptLength(), p.outputLength()};
            }
        }
        double promptFactor = Math.max((double) prompt / best[0], (double) best[0] / prompt);
        double outputFactor = Math.max((double) output / best[1], (double) best[1] / output);
        if (promptFactor > MAX_MIX_FACTOR || outputFactor > MAX_MIX_FACTOR) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: prompt %d / output %d tokens is more"
                    + " than %.0f times away from every measured mix (prompt/output: %s); too far to estimate:"
                    + " measure it (tokenmeter run --prompt-len %d --gen %d)", source, prompt, output,
                    MAX_MIX_FACTOR, String.join(", ", seen), prompt, output));
        }
        return best;
    }
}
