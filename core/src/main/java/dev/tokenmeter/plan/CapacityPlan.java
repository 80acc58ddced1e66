package dev.tokenmeter.plan;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A capacity plan: how many GPUs serve a target request rate within latency limits, and what they cost, from a
 * measured offline or serving result, with projections of the same to other GPUs.
 *
 * <p>The arithmetic, per GPU kind:
 * <ol>
 * <li>operating point: of the measured points (batch sizes of an offline result, offered loads of a serving
 *     one), the one of largest requests/s whose TTFT p99 and TPOT p99 meet the constraints ({@link #choose});</li>
 * <li>GPUs = ceil(rate / (requests/s per GPU × target utilization)) ({@link #gpusNeeded});</li>
 * <li>expected utilization = rate / (GPUs × requests/s per GPU), at most the target;</li>
 * <li>cost per month = {@value #HOURS_PER_MONTH} h × GPUs × price per GPU-hour; per query and per 1M tokens by
 *     DESIGN's formulas at the per-GPU rates, divided by the expected utilization ({@link PlanCost}).</li>
 * </ol>
 *
 * @param tool                 always "tokenmeter"
 * @param kind                 always "capacity-plan"
 * @param planVersion          version of this structure ({@value #PLAN_VERSION})
 * @param source               the result it was planned from (a file name)
 * @param scenario             the result's scenario: "offline" (static batches) or "serving" (see
 *                             {@link ServingPlanBasis})
 * @param model                the result's model
 * @param device               the device the result was measured on
 * @param deviceKind           its kind, "gpu" or "cpu" ("unknown" where the result records no device)
 * @param backend              the backend that measured it
 * @param price                the measured device's price per device-hour, or null where none applies
 * @param rate                 target traffic, requests per second
 * @param targetUtilization    the utilization GPUs were provisioned for
 * @param promptLength         the workload's prompt tokens per request
 * @param outputLength         the workload's output tokens per request (for a serving result, prompt and output
 *                             lengths are the means over the completed requests of every usable point)
 * @param lengthMix            the workload's lengths as the result gives them ("prompt 1024, output 128";
 *                             "prompt 64:256 uniform, output 32"; "from trace t.jsonl")
 * @param measuredPromptLength the prompt length of the measured points used
 * @param measuredOutputLength the output length of the measured points used
 * @param mixApproximated      true when the workload's lengths differ from the measured ones and the points were
 *                             rescaled ({@link PointEstimate#withMix}): an APPROXIMATION
 * @param constraints          the latency limits
 * @param points               every usable measured point, for the workload's mix, with what it breaks
 * @param deployments          the measured device's plan first, then one projection per other GPU
 * @param feasible             whether some measured point meets the constraints
 * @param notes                what a reader must know, in order of importance
 */
public record CapacityPlan(String tool, String kind, int planVersion, String source, String scenario, String model,
        String device, String deviceKind, String backend, Price price, double rate, double targetUtilization,
        int promptLength, int outputLength, String lengthMix, int measuredPromptLength, int measuredOutputLength,
        boolean mixApproximated, Constraints constraints, List<Candidate> points, List<Deployment> deployments,
        boolean feasible, List<String> notes) {
    public static final int PLAN_VERSION = 1;
    public static final String KIND = "capacity-plan";
    /** Hours in a month as cloud price lists count them (8760 / 12). */
    public static final double HOURS_PER_MONTH = 730;
    /** Relative slack of {@link #gpusNeeded}'s ceiling, for quotients that rounding pushed a hair above an integer. */
    private static final double CEIL_SLACK = 1e-12;

    public CapacityPlan {
        points = List.copyOf(points);
        deployments = List.copyOf(deployments);
        notes = List.copyOf(notes);
    }

    /** The plan on the measured device (the first deployment). */
    public Deployment measuredDeployment() {
        return deployments.get(0);
    }

    // ---- the arithmetic ----

    /**
     * GPUs needed to serve {@code rate} requests/s when each does {@code perGpu} at full load and may be loaded to
     * {@code utilization}: ceil(rate / (perGpu × utilization)), at least 1. A quotient that is a whole number in
     * exact arithmetic but came out a hair above it (90 / (3 × 0.3) = 100.00000000000001) costs no extra GPU.
     */
    public static int gpusNeeded(double rate, double perGpu, double utilization) {
        if (!(perGpu > 0) || !Double.isFinite(perGpu)) {
            throw new IllegalArgumentException("requests/s per GPU must be a finite number > 0, got " + perGpu);
        }
        double exact = rate / (perGpu * utilization);
        double n = Math.ceil(exact * (1 - CEIL_SLACK));
        if (!(n <= Integer.MAX_VALUE)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%.4g GPUs would be needed", exact));
        }
        return Math.max(1, (int) n);
    }

    /** Share of capacity in use when {@code gpus} GPUs of {@code perGpu} requests/s each serve {@code rate}. */
    public static double expectedUtilization(double rate, int gpus, double perGpu) {
        return rate / (gpus * perGpu);
    }

    /** {@value #HOURS_PER_MONTH} hours × GPUs × price per GPU-hour. */
    public static double usdPerMonth(int gpus, double usdPerGpuHour) {
        return HOURS_PER_MONTH * gpus * usdPerGpuHour;
    }

    /** An operating point and whether it meets the constraints. */
    public record Choice(PointEstimate point, boolean feasible) {
    }

    /** {@link #choose} by requests/s. */
    public static Choice choose(List<PointEstimate> points, Constraints c) {
        return choose(points, c, PointEstimate::requestsPerSecond);
    }

    /**
     * The point of largest {@code throughput} that meets {@code c} and is not disqualified (the first on a tie);
     * where none does, the closest to meeting them (a qualified point before a disqualified one, then the
     * smallest {@link Constraints#worstRatio}, then the larger throughput), marked not feasible. Null only for an
     * empty list.
     */
    public static Choice choose(List<PointEstimate> points, Constraints c, ToDoubleFunction<PointEstimate> throughput) {
        PointEstimate best = null;
        for (PointEstimate p : points) {
            if (p.disqualified() == null && c.violations(p).isEmpty()
                    && (best == null || throughput.applyAsDouble(p) > throughput.applyAsDouble(best))) {
                best = p;
            }
        }
        if (best != null) {
            return new Choice(best, true);
        }
        PointEstimate closest = points.stream()
                .min(Comparator.comparing((PointEstimate p) -> p.disqualified() != null)
                        .thenComparingDouble(c::worstRatio)
                        .thenComparing(Comparator.comparingDouble(throughput).reversed()))
                .orElse(null);
        return closest == null ? null : new Choice(closest, false);
    }

    // ---- building a plan ----

    /**
     * The plan for {@code in} from {@code result}, an offline or serving result; {@code source} names it in
     * messages. The price of the measured device is the one asked for, else the one the result's run used, else the
     * device's preset. Refuses (IllegalArgumentException) a result of another scenario or without points, a length
     * mix the result cannot answer, and (TokenmeterException) a result none of whose points is usable.
     */
    public static CapacityPlan of(Result result, String source, PlanInputs in) {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(in, "in");
        PlanBasis basis = PlanBasis.of(result, source, in);
        List<String> notes = new ArrayList<>(basis.notes());
        List<PointEstimate> estimates = basis.estimates();
        List<Candidate> candidates = estimates.stream().map(e -> Candidate.of(e, in.constraints())).toList();

        DeviceInfo device = result.environment() == null ? null : result.environment().device();
        Price price = in.price() != null ? in.price() : result.spec().price() != null ? result.spec().price()
                : device == null ? null : PricePresets.forDevice(device);
        List<Deployment> deployments = new ArrayList<>();
        Deployment measured = measuredDeployment(device, estimates, in, price);
        deployments.add(measured);
        notes.addAll(basis.notesAt(measured, candidates, in));
        projections(device, estimates, in, basis.wholeRunProjection(), deployments, notes);
        return new CapacityPlan("tokenmeter", KIND, PLAN_VERSION, source, result.scenario(),
                result.spec().model().name(), device == null ? "unknown device" : device.name(),
                device == null ? "unknown" : device.kind(), device == null ? "unknown" : device.backend(), price,
                in.rate(), in.utilization(), basis.promptLength(), basis.outputLength(), basis.lengthMix(),
                basis.measuredPromptLength(), basis.measuredOutputLength(), basis.approximated(), in.constraints(),
                candidates, deployments, measured.feasible(), notes);
    }

    static Deployment measuredDeployment(DeviceInfo device, List<PointEstimate> estimates, PlanInputs in,
            Price price) {
        if (device == null) {
            return deploy("unknown device", Basis.MEASURED, "the result records no device", Double.NaN, null,
                    estimates, in, price, "no price: the result records no device; give a price");
        }
        DeviceCeilings basis = basis(device);
        if (basis == null) {
            // An endpoint's deployment: its devices were not measured here.
            return deploy(device.name() + " (a device of the endpoint)", Basis.MEASURED, "the endpoint's figures",
                    Double.NaN, null, estimates, in, price, "no price: give --price per device-hour of the endpoint");
        }
        GpuSpec same = GpuCatalog.sameAs(device);
        return deploy(device.name() + (same == null ? "" : " (" + same.name() + ")"), Basis.MEASURED,
                basis.source(), basis.memoryBandwidth(), basis.flops(), estimates, in, price,
                "no price: no price preset matches '" + device.name() + "'; give one");
    }

    /** The figures projections scale from: the device's datasheet where known, else its measured ceilings. */
    private static DeviceCeilings basis(DeviceInfo device) {
        return device.datasheet() != null ? device.datasheet() : device.measured();
    }

    /**
     * One projected deployment per catalog GPU other than the measured one, appended to {@code out}. Offline
     * points are projected with {@link PointEstimate#projected} (prefill by FLOP/s, decode by bandwidth; decode
     * only where no FLOP/s figure is known); serving points with {@link PointEstimate#timeScaled} by the larger
     * of the two time ratios, and not at all where no FLOP/s figure is known.
     */
    static void projections(DeviceInfo device, List<PointEstimate> estimates, PlanInputs in, boolean serving,
            List<Deployment> out, List<String> notes) {
        if (device == null) {
            notes.add("no projection to other GPUs: the result records no device");
            return;
        }
        if (!"gpu".equals(device.kind())) {
            notes.add("no projection to GPUs: the result was measured on a " + device.kind() + " ("
                    + device.name() + "), whose efficiency says nothing about a GPU's; measure on one");
            return;
        }
        DeviceCeilings basis = basis(device);
        GpuSpec same = GpuCatalog.sameAs(device);
        for (GpuSpec g : GpuCatalog.all()) {
            if (g == same) {
                continue;
            }
            // Time ratios, target over measured: a GPU with twice the bandwidth decodes in half the time.
            double decodeFactor = basis.memoryBandwidth() / g.memoryBandwidth();
            double prefillFactor = g.bf16Known() ? basis.flops() / g.bf16Flops() : Double.NaN;
            Price price = g.pricePreset() == null ? null : PricePresets.get(g.pricePreset());
            String noPrice = "no price: no price preset covers the " + g.name();
            if (serving && !g.bf16Known()) {
                out.add(new Deployment(g.name(), Basis.NOT_PROJECTED, g.source(), g.memoryBandwidth(), null, null,
                        false, null, Double.NaN, null, List.of("not projected: a serving step mixes prompt chunks"
                                + " (compute-bound) with decodes (bandwidth-bound), and without a dense bf16 FLOP/s"
                                + " figure no bound on its speed-up can be given")));
                continue;
            }
            List<PointEstimate> projected = estimates.stream()
                    .map(e -> serving ? e.timeScaled(Math.max(prefillFactor, decodeFactor))
                            : e.projected(prefillFactor, decodeFactor))
                    .toList();
            Deployment d = deploy(g.name(), g.bf16Known() ? Basis.PROJECTION : Basis.PROJECTION_DECODE_ONLY,
                    g.source(), g.memoryBandwidth(), g.bf16Flops(), projected, in, price, noPrice);
            if (serving) {
                d = d.withNote(String.format(Locale.ROOT, "a bound: every step %s times as fast, the smaller of the"
                        + " FLOP/s ratio (%s) and the bandwidth ratio (%s); a load whose steps are mostly decodes"
                        + " may gain up to the larger", TextTable.significant(1 / Math.max(prefillFactor,
                                decodeFactor), 3), TextTable.significant(1 / prefillFactor, 3),
                        TextTable.significant(1 / decodeFactor, 3)));
            }
            out.add(d);
        }
        if (serving) {
            notes.add("PROJECTION rows are estimates, not measurements: every step of each measured run is taken to"
                    + " last the larger of the two time ratios from the measured device's figures to the target's"
                    + " (dense bf16 FLOP/s for prompt chunks, memory bandwidth for decodes; the smaller speed-up, so"
                    + " a bound for steps that mix both), and its arrivals to come faster by the same factor; the"
                    + " scheduler then makes the same choices, so latencies scale by that ratio and the rate by its"
                    + " inverse. The measured efficiency is assumed to carry over; memory capacity (the target may"
                    + " hold more sequences), interconnect and host overhead are not modelled");
        } else {
            notes.add("PROJECTION rows are estimates, not measurements: each measured point's prefill time (TTFT) is"
                    + " scaled by the ratio of dense bf16 FLOP/s and its decode time (TPOT x (output - 1)) by the"
                    + " ratio of memory bandwidth, from the measured device's figures to the target's, so the"
                    + " measured efficiency is assumed to carry over; memory capacity, interconnect and software are"
                    + " not modelled");
        }
        if (device.datasheet() == null) {
            notes.add("the measured device has no datasheet figures: projections scale from its measured ceilings ("
                    + basis.source() + "), which are below its peak, so they overstate the other GPUs' advantage");
        }
    }

    /** The plan on one GPU kind from its (measured or projected) points. */
    static Deployment deploy(String gpu, Basis basis, String figuresSource, double bandwidth, Double flops,
            List<PointEstimate> points, PlanInputs in, Price price, String noPrice) {
        List<String> notes = new ArrayList<>();
        boolean decodeOnly = basis == Basis.PROJECTION_DECODE_ONLY;
        Choice choice = choose(points, in.constraints(),
                decodeOnly ? PointEstimate::decodeTokensPerSecond : PointEstimate::requestsPerSecond);
        PointEstimate op = choice.point();
        List<String> unchecked = in.constraints().unchecked(op);
        if (!unchecked.isEmpty()) {
            notes.add(String.join(" and ", unchecked) + " limit not checked: not projected");
        }
        if (decodeOnly) {
            notes.add("decode only: no dense bf16 FLOP/s figure is published, so prefill is not projected and"
                    + " TTFT, requests/s, GPU count and cost are unknown; the point is chosen by decode tok/s");
            return new Deployment(gpu, basis, figuresSource, bandwidth, flops, op, choice.feasible(), null,
                    Double.NaN, null, notes);
        }
        if (!choice.feasible()) {
            notes.add("no point meets the constraints; the closest is shown, with no GPU count or cost");
            return new Deployment(gpu, basis, figuresSource, bandwidth, flops, op, false, null, Double.NaN, null,
                    notes);
        }
        int gpus = gpusNeeded(in.rate(), op.requestsPerSecond(), in.utilization());
        double u = expectedUtilization(in.rate(), gpus, op.requestsPerSecond());
        if (price == null) {
            notes.add(noPrice);
        }
        return new Deployment(gpu, basis, figuresSource, bandwidth, flops, op, true, gpus, u,
                price == null ? null : PlanCost.of(price, gpus, u, op), notes);
    }
}
