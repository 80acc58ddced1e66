package dev.tokenmeter.plan;

import static dev.tokenmeter.result.TextTable.UNDEFINED;
import static dev.tokenmeter.result.TextTable.percent;
import static dev.tokenmeter.result.TextTable.significant;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.report.ConsoleReport;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.TextTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link CapacityPlan} as a console report (header, measured points, the plan on the measured device, a table of
 * GPUs, sources, notes) and as JSON. It only formats what the plan holds.
 */
public final class PlanRenderer {
    private PlanRenderer() {
    }

    public static String console(CapacityPlan plan) {
        StringBuilder sb = new StringBuilder();
        header(sb, plan);
        sb.append('\n').append("measured points, per ").append(unit(plan)).append(serving(plan)
                ? " (serving runs, one per offered load; p99s over requests; achieved rates):\n"
                : " (offline static batches; p99s over trials):\n");
        sb.append(pointsTable(plan).render());
        sb.append('\n');
        measured(sb, plan);
        if (plan.deployments().size() > 1) {
            sb.append('\n').append("by GPU (PROJECTION rows are estimates from the measured points, not"
                    + " measurements):\n");
            sb.append(gpuTable(plan).render());
            sb.append('\n').append("sources:\n");
            for (Deployment d : plan.deployments()) {
                sb.append("  ").append(d.gpu()).append(": ").append(d.figuresSource());
                if (d.cost() != null && d.basis() != Basis.MEASURED) {
                    sb.append("; price: ").append(d.cost().priceSource());
                }
                sb.append('\n');
            }
        }
        List<String> notes = new ArrayList<>(plan.notes());
        for (Deployment d : plan.deployments()) {
            for (String n : d.notes()) {
                notes.add(d.gpu() + ": " + n);
            }
        }
        if (!notes.isEmpty()) {
            sb.append('\n').append("notes:\n");
            for (String n : notes) {
                sb.append(n.startsWith("APPROXIMATION") || n.contains("MEASUREMENT ERROR") ? ConsoleReport.LOUD
                        : "- ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, CapacityPlan p) {
        sb.append(String.format(Locale.ROOT, "tokenmeter plan: %s measured on %s (%s), from %s%n", p.model(),
                p.device(), p.backend(), p.source()));
        if (serving(p)) {
            sb.append(String.format(Locale.ROOT, "workload     %s req/s, %s (mean prompt %d + output %d tokens per"
                    + " request, as measured)%n", plain(p.rate()), p.lengthMix(), p.promptLength(), p.outputLength()));
        } else {
            sb.append(String.format(Locale.ROOT, "workload     %s req/s, prompt %d + output %d tokens per request%s%n",
                plain(p.rate()), p.promptLength(), p.outputLength(), p.mixApproximated()
                        ? String.format(Locale.ROOT, " (APPROXIMATED from measured %d + %d)",
                                p.measuredPromptLength(), p.measuredOutputLength())
                        : " (as measured)"));
        }
        sb.append("constraints  ").append(p.constraints().describe()).append('\n');
        String u = unit(p);
        sb.append("utilization  target ").append(percent(p.targetUtilization())).append("%: ").append(u)
                .append("s = ceil(rate / (req/s per ").append(u).append(" x ").append(plain(p.targetUtilization()))
                .append("))\n");
        Price price = p.price();
        sb.append("price        ").append(price == null ? "none (no cost figures for the measured device)"
                : "$" + significant(price.usdPerHour(), 4) + " per " + u + "-hour, " + price.label() + " ("
                        + price.source() + (price.asOf().isEmpty() ? "" : ", " + price.asOf()) + ")").append('\n');
    }

    private static TextTable pointsTable(CapacityPlan p) {
        boolean serving = serving(p);
        TextTable t = new TextTable();
        (serving ? t.left("point") : t.right("batch")).right("TTFT p99 ms").right("TPOT p99 ms").right("req/s")
                .right("out tok/s").left("meets constraints");
        for (Candidate c : p.points()) {
            PointEstimate e = c.estimate();
            t.row(serving ? e.label() : Integer.toString(e.batch()), significant(e.ttftP99Ms(), 4),
                    significant(e.tpotP99Ms(), 4),
                    significant(e.requestsPerSecond(), 4), significant(e.outputTokensPerSecond(), 4),
                    c.meets() ? "yes" : "no: " + String.join(", ", c.violations()));
        }
        return t;
    }

    private static void measured(StringBuilder sb, CapacityPlan p) {
        Deployment d = p.measuredDeployment();
        PointEstimate op = d.operatingPoint();
        if (!d.feasible()) {
            sb.append(ConsoleReport.LOUD).append(serving(p) ? "NO FEASIBLE POINT: no measured load is steady and"
                    + " meets " : "NO FEASIBLE POINT: no measured batch size meets ")
                    .append(p.constraints().describe()).append('\n');
            sb.append(String.format(Locale.ROOT, "closest: %s, TTFT p99 %s ms, TPOT p99 %s ms, %s req/s per"
                    + " GPU, %s output tok/s per GPU%n", op.label(), significant(op.ttftP99Ms(), 4),
                    significant(op.tpotP99Ms(), 4), significant(op.requestsPerSecond(), 4),
                    significant(op.outputTokensPerSecond(), 4)));
            return;
        }
        String u = unit(p);
        sb.append(String.format(Locale.ROOT, "plan on %s, measured: %s, %s req/s per %s%s%n", d.gpu(),
                op.label(), significant(op.requestsPerSecond(), 4), u, p.constraints().empty()
                        ? " (the largest throughput measured)"
                        : " (the largest throughput that meets the constraints)"));
        sb.append(String.format(Locale.ROOT, "  %-12s %d = ceil(%s / (%s x %s) = %s), expected utilization %s%%%n",
                u + "s", d.gpus(), plain(p.rate()), significant(op.requestsPerSecond(), 4),
                plain(p.targetUtilization()),
                significant(p.rate() / (op.requestsPerSecond() * p.targetUtilization()), 4),
                percent(d.expectedUtilization())));
        PlanCost c = d.cost();
        if (c == null) {
            sb.append("  cost         none (no price)\n");
            return;
        }
        sb.append(String.format(Locale.ROOT, "  cost         $%s per month (%d %ss x $%s x %s h)%n",
                money(c.usdPerMonth()), d.gpus(), u, significant(c.usdPerGpuHour(), 4),
                plain(CapacityPlan.HOURS_PER_MONTH)));
        sb.append(String.format(Locale.ROOT, "               $%s per query; per 1M tokens: $%s output, $%s input,"
                + " $%s total (at %s%% utilization)%n", significant(c.usdPerQuery(), 3),
                significant(c.usdPerMillionOutput(), 3), significant(c.usdPerMillionInput(), 3),
                significant(c.usdPerMillionTotal(), 3), percent(c.utilization())));
    }

    private static TextTable gpuTable(CapacityPlan p) {
        boolean serving = serving(p);
        TextTable t = new TextTable().left("GPU").left("basis").right("TB/s").right("bf16 TFLOP/s")
                .right(serving ? "point" : "batch").right("TTFT p99 ms").right("TPOT p99 ms").right("req/s/GPU")
                .right(serving ? "out tok/s" : "decode tok/s").right("GPUs").right("util %").right("$/GPU-h")
                .right("$/month").right("$/query").right("$/M out tok");
        for (Deployment d : p.deployments()) {
            PointEstimate op = d.operatingPoint();
            PlanCost c = d.cost();
            boolean none = op == null;
            t.row(d.gpu(), d.basis().label() + (d.feasible() || none ? "" : ", NOT FEASIBLE"),
                    significant(d.memoryBandwidth() / 1e12, 3),
                    d.bf16Flops() == null ? "unknown" : significant(d.bf16Flops() / 1e12, 4),
                    none ? UNDEFINED : serving ? op.label() : Integer.toString(op.batch()),
                    none ? UNDEFINED : significant(op.ttftP99Ms(), 4),
                    none ? UNDEFINED : significant(op.tpotP99Ms(), 4),
                    none ? UNDEFINED : significant(op.requestsPerSecond(), 4), none ? UNDEFINED
                            : significant(serving ? op.outputTokensPerSecond() : op.decodeTokensPerSecond(), 4),
                    d.gpus() == null ? UNDEFINED : Integer.toString(d.gpus()), percent(d.expectedUtilization()),
                    c == null ? (d.gpus() == null ? UNDEFINED : "no price") : significant(c.usdPerGpuHour(), 4),
                    c == null ? UNDEFINED : money(c.usdPerMonth()),
                    c == null ? UNDEFINED : significant(c.usdPerQuery(), 3),
                    c == null ? UNDEFINED : significant(c.usdPerMillionOutput(), 3));
        }
        return t;
    }

    /** Whether the plan's points are offered loads (a serving result's) rather than batch sizes. */
    private static boolean serving(CapacityPlan p) {
        return p.points().stream().anyMatch(c -> c.estimate().isServing());
    }

    /** "GPU", or "device" for a plan measured on something else (a CPU instance). */
    static String unit(CapacityPlan p) {
        return "gpu".equals(p.deviceKind()) ? "GPU" : "device";
    }

    /** A number the user gave, without trailing zeros: 100, 0.8, 2.5. */
    static String plain(double v) {
        String s = significant(v, 6);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("\\.?0+$", "") : s;
    }

    /** Whole dollars with thousands separators ("283,068"), cents below $100. */
    static String money(double usd) {
        if (!Double.isFinite(usd)) {
            return UNDEFINED;
        }
        return usd < 100 ? String.format(Locale.ROOT, "%.2f", usd) : String.format(Locale.ROOT, "%,.0f", usd);
    }

    /** The plan as JSON, with the mapper results are written with (NaN as "NaN", indented). */
    public static String json(CapacityPlan plan) {
        try {
            return ResultJson.mapper().writeValueAsString(plan) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not render a plan as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes the plan as JSON atomically. */
    public static void writeJson(CapacityPlan plan, Path file) {
        AtomicFiles.writeString(file, json(plan));
    }
}
