package dev.tokenmeter.plan;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.scenario.serving.ServingSummary;
import dev.tokenmeter.scenario.serving.TargetSpec;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The plan basis of a serving result ({@code tokenmeter serve --json}). Each serving point is one run at one
 * offered load, and its latencies already include queueing and continuous batching, so the operating point is
 * simply the measured point of largest achieved requests/s whose TTFT p99 and TPOT p99 meet the limits and whose
 * load was sustained; the GPU count and costs follow as for any result ({@link CapacityPlan}).
 *
 * <p>What it does not do: rescale a point to other lengths (queueing does not scale with the lengths: a serving
 * result is planned at the mix it measured, and any other is refused), or interpolate between points (the
 * capacity found is the highest measured load that passed, a lower bound of the true one; the plan says how far
 * the next measured load was).
 */
record ServingPlanBasis(ServingSpec spec, String unit, List<PointEstimate> estimates, List<String> notes,
        int promptLength, int outputLength, String lengthMix) implements PlanBasis {

    static ServingPlanBasis of(Result result, ServingSpec spec, String source, PlanInputs in) {
        checkLength(source, "prompt", "--prompt-len", in.promptLength(), spec.promptLength().describe(), spec);
        checkLength(source, "output", "--gen", in.outputLength(), spec.outputLength().describe(), spec);
        List<String> notes = new ArrayList<>();
        List<PointEstimate> estimates = new ArrayList<>();
        long inputTokens = 0;
        long outputTokens = 0;
        long completed = 0;
        // Side by side, the result's device is this host's: its plan rests on the in-process points. Through an
        // endpoint alone, on the deployment behind it: per device, its rates over its devices.
        boolean inProcess = spec.inProcess();
        int devices = inProcess ? 1 : spec.endpoint().devices();
        if (inProcess && spec.endpoint() != null) {
            notes.add("a side-by-side result: planned on its in-process points, measured on this result's device");
        } else if (devices > 1) {
            notes.add(String.format(Locale.ROOT, "measured through an endpoint of %d devices: its rates per device"
                    + " are the endpoint's over %d", devices, devices));
        }
        for (ServingPoint p : result.points(ServingPoint.class)) {
            if (inProcess != TargetSpec.IN_PROCESS.equals(p.target())) {
                continue;
            }
            if (p.metrics() == null || p.metrics().completed() == 0) {
                notes.add(p.label() + ": left out, no request completed");
                continue;
            }
            estimates.add(estimate(p, devices));
            inputTokens += p.metrics().inputTokens();
            outputTokens += p.metrics().outputTokens();
            completed += p.metrics().completed();
            boolean tooShort = p.load() != null && (p.load().status() == SustainedLoad.Status.TOO_SHORT
                    || p.load().status() == SustainedLoad.Status.NOT_JUDGED && !Double.isNaN(p.offeredRate()));
            if (tooShort) {
                notes.add(p.label() + ": whether its load was sustained was not judged (" + p.load().reason() + ")");
            }
        }
        if (estimates.isEmpty()) {
            throw new TokenmeterException(source + ": no serving point completed a request; nothing to plan from");
        }
        if (!result.complete()) {
            notes.add("the result is INCOMPLETE: only the points it measured are used");
        }
        // The latency-throughput curve's order: by achieved rate.
        estimates.sort(Comparator.comparingDouble(PointEstimate::requestsPerSecond));
        DeviceInfo device = result.environment() == null ? null : result.environment().device();
        String unit = device != null && "gpu".equals(device.kind()) ? "GPU" : "device";
        return new ServingPlanBasis(spec, unit, estimates, notes, (int) Math.round((double) inputTokens / completed),
                (int) Math.round((double) outputTokens / completed), lengthMix(spec));
    }

    /**
     * A serving point's figures: p50 and p99 of TTFT and TPOT over its completed requests, and its achieved rates
     * (completed requests and their tokens over the run's duration, which are below the offered rate by the
     * run's ramp and drain). A point whose load was not sustained, or that ended with requests unfinished, is
     * disqualified: its latencies are not steady-state.
     */
    static PointEstimate estimate(ServingPoint p) {
        return estimate(p, 1);
    }

    /** {@link #estimate(ServingPoint)} per device of {@code devices} that served it together. */
    static PointEstimate estimate(ServingPoint p, int devices) {
        ServingSummary m = p.metrics();
        if (m == null || m.completed() == 0) {
            throw new IllegalArgumentException("serving point '" + p.label() + "' has no completed request");
        }
        boolean decodes = m.tpotMs() != null;
        String disqualified = null;
        if (p.load() != null && p.load().overloaded()) {
            disqualified = "OVERLOADED: " + p.load().reason();
        } else if (m.incomplete() > 0) {
            disqualified = String.format(Locale.ROOT, "INCOMPLETE: %d of %d requests were unfinished when the point"
                    + " ended, and its percentiles leave them out", m.incomplete(), m.requests());
        } else if (m.failed() > 0) {
            disqualified = String.format(Locale.ROOT, "FAILED: %d of %d requests failed, and its percentiles leave"
                    + " them out", m.failed(), m.requests());
        }
        return new PointEstimate(p.label(), 0, (int) Math.round((double) m.inputTokens() / m.completed()),
                (int) Math.round((double) m.outputTokens() / m.completed()), m.ttftMs().p50(), m.ttftMs().p99(),
                decodes ? m.tpotMs().p50() : Double.NaN, decodes ? m.tpotMs().p99() : Double.NaN,
                m.requestsPerSecond() / devices, m.inputTokensPerSecond() / devices,
                m.outputTokensPerSecond() / devices, Double.NaN, disqualified);
    }

    @Override
    public int measuredPromptLength() {
        return promptLength;
    }

    @Override
    public int measuredOutputLength() {
        return outputLength;
    }

    @Override
    public boolean approximated() {
        return false;
    }

    @Override
    public boolean wholeRunProjection() {
        return true;
    }

    /** Where the capacity lies (the bracket), and what splitting the traffic among GPUs assumes. */
    @Override
    public List<String> notesAt(Deployment here, List<Candidate> candidates, PlanInputs in) {
        if (!here.feasible()) {
            return List.of();
        }
        return List.of(bracket(here.operatingPoint(), candidates, unit, spec.mode() == ServingMode.SEARCH),
                fleet(spec, in, here, unit));
    }

    /** "prompt 1024, output 128", "prompt 64:256 uniform, output 32", "from trace t.jsonl". */
    static String lengthMix(ServingSpec spec) {
        if (spec.mode() == ServingMode.TRACE) {
            return "from trace " + spec.trace();
        }
        return "prompt " + uniform(spec.promptLength().describe()) + ", output "
                + uniform(spec.outputLength().describe());
    }

    private static String uniform(String lengths) {
        return lengths.contains(":") ? lengths + " uniform" : lengths;
    }

    /**
     * Refuses an asked length other than the one the result measured: a serving point's latencies include queueing
     * behind other requests, which does not scale in proportion to the lengths as a static batch's times do.
     */
    private static void checkLength(String source, String what, String option, Integer asked, String measured,
            ServingSpec spec) {
        boolean trace = spec.mode() == ServingMode.TRACE;
        if (asked == null || (measured.equals(Integer.toString(asked)) && !trace)) {
            return;
        }
        String was = trace ? "the lengths of trace " + spec.trace() : what + " lengths " + measured;
        throw new IllegalArgumentException(source + ": a serving result is planned at the lengths it measured ("
                + was + "), not " + option + " " + asked + ": its latencies include queueing, which does not rescale"
                + " with the lengths; measure that mix (tokenmeter serve " + option + " " + asked + ")");
    }

    /**
     * How far the capacity is known: the operating point passed; the next measured load above it (by achieved
     * rate) failed or was not steady, so the GPU's capacity lies between them.
     */
    private static String bracket(PointEstimate op, List<Candidate> candidates, String unit, boolean searched) {
        Candidate next = null;
        for (Candidate c : candidates) {
            if (!c.meets() && c.estimate().requestsPerSecond() > op.requestsPerSecond()
                    && (next == null || c.estimate().requestsPerSecond() < next.estimate().requestsPerSecond())) {
                next = c;
            }
        }
        String at = String.format(Locale.ROOT, "the operating point (%s, %s req/s achieved) is the highest measured"
                + " load that meets the limits", op.label(), TextTable.significant(op.requestsPerSecond(), 4));
        if (next == null) {
            return at + "; no measured load above it failed, so the " + unit + " may sustain more: measure higher"
                    + " rates (serve --search) for a smaller fleet";
        }
        return at + String.format(Locale.ROOT, "; the next one (%s, %s req/s) does not (%s), so the %s's capacity"
                + " lies in between: the plan is conservative by up to that gap%s", next.estimate().label(),
                TextTable.significant(next.estimate().requestsPerSecond(), 4), String.join("; ", next.violations()),
                unit, searched ? "" : " (serve --search narrows it)");
    }

    /** What splitting the measured arrival process among GPUs does to it. */
    private static String arrivals(ServingSpec spec) {
        double shape = spec.burstiness();
        if (shape == 1) {
            return "Poisson: a Poisson stream split at random stays Poisson at the lower rate";
        }
        // Random thinning of a renewal process drives it towards Poisson.
        String b = TextTable.significant(shape, 3);
        return shape < 1 ? "gamma arrivals of burstiness " + b + ": a share of a bursty stream is less bursty, so"
                + " this is conservative" : "gamma arrivals of burstiness " + b + ", more regular than Poisson: a"
                + " share of such a stream is less regular, so each may queue more than measured";
    }

    /** What the fleet arithmetic assumes of how traffic reaches each GPU, by how the load was offered. */
    private static String fleet(ServingSpec spec, PlanInputs in, Deployment here, String unit) {
        String share = String.format(Locale.ROOT, "each of the %d %ss is assumed to get an even share of the"
                + " traffic, %s req/s", here.gpus(), unit, TextTable.significant(in.rate() / here.gpus(), 4));
        return switch (spec.mode()) {
            case CONCURRENCY -> share + "; the points are closed loops (a new request only when one completes),"
                    + " which queue less than open traffic of the same rate: measure with --rate for a plan of open"
                    + " traffic";
            case TRACE -> share + ", arriving in the trace's pattern (its bursts thinned, not merged); routing that"
                    + " is uneven or sticky needs more headroom than --utilization gives";
            default -> share + " arriving as measured (" + arrivals(spec) + "); routing that is uneven or sticky"
                    + " needs more headroom than --utilization gives";
        };
    }
}
