package dev.tokenmeter.plan;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.ServingSpec;
import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A capacity plan from a serving result ({@code tokenmeter serve --json}). Each serving point is one run at one
 * offered load, and its latencies already include queueing and continuous batching, so the operating point is
 * simply the measured point of largest achieved requests/s whose TTFT p99 and TPOT p99 meet the limits and whose
 * load was sustained ({@link PointEstimate#serving}); the GPU count and costs follow as for an offline result
 * ({@link CapacityPlan}).
 *
 * <p>What it does not do: rescale a point to other lengths (queueing does not scale with the lengths: a serving
 * result is planned at the mix it measured, and any other is refused), or interpolate between points (the
 * capacity found is the highest measured load that passed, a lower bound of the true one; the plan says how far
 * the next measured load was).
 */
final class ServingPlanner {
    static final String SCENARIO = "serving";

    private ServingPlanner() {
    }

    static CapacityPlan plan(Result result, String source, PlanInputs in) {
        List<ServingPointResult> measured = result.servingPoints();
        if (measured == null || measured.isEmpty()) {
            throw new IllegalArgumentException(source + ": the serving result has no measured point");
        }
        ServingSpec spec = result.spec() == null ? null : result.spec().serving();
        String mix = lengthMix(spec);
        checkLength(source, "prompt", "--prompt-len", in.promptLength(), spec == null ? null : spec.promptLength(),
                spec);
        checkLength(source, "output", "--gen", in.outputLength(), spec == null ? null : spec.outputLength(), spec);

        List<String> notes = new ArrayList<>();
        List<PointEstimate> estimates = new ArrayList<>();
        long inputTokens = 0;
        long outputTokens = 0;
        long completed = 0;
        for (ServingPointResult p : measured) {
            if (p.metrics() == null || p.metrics().completed() == 0) {
                notes.add(p.label() + ": left out, no request completed");
                continue;
            }
            estimates.add(PointEstimate.serving(p));
            inputTokens += p.metrics().inputTokens();
            outputTokens += p.metrics().outputTokens();
            completed += p.metrics().completed();
            if (p.load() != null && "NOT_JUDGED".equals(p.load().status()) && !Double.isNaN(p.offeredRate())) {
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
        List<Candidate> candidates = estimates.stream().map(e -> Candidate.of(e, in.constraints())).toList();

        DeviceInfo device = result.environment() == null ? null : result.environment().device();
        Price price = in.price() != null || device == null ? in.price() : PricePresets.forDevice(device);
        List<Deployment> deployments = new ArrayList<>();
        Deployment here = CapacityPlan.measuredDeployment(device, estimates, in, price);
        deployments.add(here);
        if (here.feasible()) {
            String unit = device != null && "gpu".equals(device.kind()) ? "GPU" : "device";
            boolean searched = spec != null && ServingPointResult.SEARCH.equals(spec.mode());
            notes.add(bracket(here.operatingPoint(), candidates, unit, searched));
            notes.add(fleet(spec, in, here, unit));
        }
        CapacityPlan.projections(device, estimates, in, true, deployments, notes);
        String model = result.spec() == null ? "unknown model" : result.spec().model().name();
        int prompt = (int) Math.round((double) inputTokens / completed);
        int output = (int) Math.round((double) outputTokens / completed);
        return new CapacityPlan("tokenmeter", CapacityPlan.KIND, CapacityPlan.PLAN_VERSION, source, SCENARIO, model,
                device == null ? "unknown device" : device.name(), device == null ? "unknown" : device.kind(),
                device == null ? "unknown" : device.backend(), price, in.rate(), in.utilization(), prompt, output, mix,
                prompt, output, false, in.constraints(), candidates, deployments, here.feasible(), notes);
    }

    /** "prompt 1024, output 128", "prompt 64:256 uniform, output 32", "from trace t.jsonl". */
    static String lengthMix(ServingSpec spec) {
        if (spec == null) {
            return "as measured (the result records no serving spec)";
        }
        if (ServingPointResult.TRACE.equals(spec.mode())) {
            return "from trace " + spec.trace();
        }
        return "prompt " + uniform(spec.promptLength()) + ", output " + uniform(spec.outputLength());
    }

    private static String uniform(String lengths) {
        return lengths != null && lengths.contains(":") ? lengths + " uniform" : String.valueOf(lengths);
    }

    /**
     * Refuses an asked length other than the one the result measured: a serving point's latencies include queueing
     * behind other requests, which does not scale in proportion to the lengths as a static batch's times do.
     */
    private static void checkLength(String source, String what, String option, Integer asked, String measured,
            ServingSpec spec) {
        if (asked == null || (measured != null && measured.equals(Integer.toString(asked))
                && !ServingPointResult.TRACE.equals(spec.mode()))) {
            return;
        }
        String was = spec == null ? "unknown lengths" : ServingPointResult.TRACE.equals(spec.mode())
                ? "the lengths of trace " + spec.trace() : what + " lengths " + measured;
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
        double shape = spec == null ? 1 : spec.burstiness();
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
        String mode = spec == null ? "" : spec.mode();
        return switch (mode) {
            case ServingPointResult.CONCURRENCY -> share + "; the points are closed loops (a new request only when"
                    + " one completes), which queue less than open traffic of the same rate: measure with --rate"
                    + " for a plan of open traffic";
            case ServingPointResult.TRACE -> share + ", arriving in the trace's pattern (its bursts thinned, not"
                    + " merged); routing that is uneven or sticky needs more headroom than --utilization gives";
            default -> share + " arriving as measured (" + arrivals(spec) + "); routing that is uneven or sticky"
                    + " needs more headroom than --utilization gives";
        };
    }
}
