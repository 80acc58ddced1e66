package dev.tokenmeter.result;

import static dev.tokenmeter.result.TextTable.UNDEFINED;
import static dev.tokenmeter.result.TextTable.bandwidth;
import static dev.tokenmeter.result.TextTable.flops;
import static dev.tokenmeter.result.TextTable.percent;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Utilization;
import dev.tokenmeter.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Result} as a plain-text console report: a header (model, backend, device, ceilings, price),
 * one table row per point, then the warnings. It only formats what the result holds; every figure shown was
 * computed when the result was built. Undefined figures (null, NaN) show as {@value TextTable#UNDEFINED}.
 */
public final class ConsoleTable {
    /** Prefix of lines a reader must not miss: measurement errors and incomplete runs. */
    public static final String LOUD = "!! ";

    private ConsoleTable() {
    }

    public static String render(Result result) {
        StringBuilder sb = new StringBuilder();
        header(sb, result);
        if (showsOfflineTable(result)) {
            sb.append('\n');
            sb.append(table(result.points()).render());
        }
        if (!result.servingPoints().isEmpty()) {
            sb.append('\n');
            sb.append(servingTable(result.servingPoints()).render());
        }
        List<String> notes = new ArrayList<>();
        String imprecise = imprecisionNote(result.points());
        if (imprecise != null) {
            notes.add(imprecise);
        }
        notes.addAll(warnings(result));
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (String w : notes) {
                sb.append(w).append('\n');
            }
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, Result r) {
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        sb.append(String.format(Locale.ROOT, "tokenmeter %s: %s run, %d point%s%s%n",
                env == null ? "?" : env.tokenmeterVersion(), r.scenario(), pointCount(r),
                pointCount(r) == 1 ? "" : "s", r.complete() ? "" : " (INCOMPLETE)"));
        if (spec != null) {
            sb.append("model     ").append(shape(spec.model())).append('\n');
            sb.append("backend   ").append(device == null ? spec.backend() : device.backend());
            if (device != null && !spec.backend().equalsIgnoreCase(device.backend())) {
                sb.append(" (asked: ").append(spec.backend()).append(')');
            }
            sb.append(String.format(Locale.ROOT, ", seed %d, %s%n", spec.seed(), threads(spec.threads())));
        }
        if (device != null) {
            sb.append(String.format(Locale.ROOT, "device    %s (%s, %d %s, %s memory)%n", device.name(),
                    device.kind(), device.computeUnits(), "gpu".equals(device.kind()) ? "SMs" : "cores",
                    TextTable.bytes(device.memoryBytes())));
            sb.append("ceilings  ").append(ceilings(device.measured())).append('\n');
            if (device.datasheet() != null) {
                sb.append("          ").append(ceilings(device.datasheet())).append('\n');
            }
        }
        sb.append("price     ").append(price(r)).append('\n');
        String slos = slos(r);
        if (slos != null) {
            sb.append("slo       ").append(slos).append('\n');
        }
        if (spec != null && spec.measurement() != null && showsOfflineTable(r)) {
            sb.append("trials    ").append(trials(spec.measurement())).append("; medians unless marked\n");
        }
    }

    /** The SLOs the serving points were held to (the first point's that has any), or null when none. */
    static String slos(Result r) {
        for (ServingPointResult p : r.servingPoints()) {
            if (p.slo() != null) {
                return p.slo().slo();
            }
        }
        return null;
    }

    /** Offline and serving points together. */
    static int pointCount(Result r) {
        return r.points().size() + r.servingPoints().size();
    }

    /** Whether a report shows the offline table: it has offline points, or no serving points either. */
    static boolean showsOfflineTable(Result r) {
        return !r.points().isEmpty() || r.servingPoints().isEmpty();
    }

    /** The trial policy in one line, as every report's header states it. */
    static String trials(MeasurementPolicy m) {
        String warmup = m.warmupTrials() == 0 ? "no warm-up"
                : m.warmupTrials() + " warm-up" + (m.warmupSeconds() > 0
                        ? " (at least " + significant(m.warmupSeconds(), 3) + " s)" : "");
        return String.format(Locale.ROOT, "%s, then %d to %d per point within %s s, until \u00b1%s%% at 95%%"
                + " confidence", warmup, m.minTrials(), m.maxTrials(), significant(m.budgetSeconds(), 3),
                targetPercent(m.targetRelativeCi()));
    }

    /** The model's shape in one line. */
    static String shape(ModelConfig m) {
        return String.format(Locale.ROOT,
                "%s: %s params, %d layers, hidden %d, %d/%d heads (q/kv) of %d, ffn %d, vocab %d, %s%s",
                m.name(), params(m.accounting().parameterCount()), m.layers(), m.hidden(), m.heads(), m.kvHeads(),
                m.headDim(), m.ffn(), m.vocab(), m.weightDtype().label(), m.tiedEmbeddings() ? ", tied" : "");
    }

    /** A parameter count as "8.03B" or "110M". */
    public static String params(long count) {
        return count >= 1_000_000_000L ? significant(count / 1e9, 3) + "B" : significant(count / 1e6, 3) + "M";
    }

    private static String threads(int threads) {
        return threads == 0 ? "all cores" : threads + (threads == 1 ? " thread" : " threads");
    }

    static String ceilings(DeviceCeilings c) {
        return bandwidth(c.memoryBandwidth()) + ", " + flops(c.flops()) + " (" + c.source() + ")";
    }

    /** The price the costs were computed with: the one asked for, else the one the points carry. */
    static String price(Result r) {
        Price asked = r.spec() == null ? null : r.spec().price();
        if (asked != null) {
            return usdPerHour(asked.usdPerHour(), asked.utilization(), asked.label(), asked.source()
                    + (asked.asOf().isEmpty() ? "" : ", " + asked.asOf()));
        }
        for (PointResult p : r.points()) {
            CostMetrics c = p.cost();
            if (c != null) {
                return usdPerHour(c.usdPerHour(), c.utilization(), c.priceLabel(), c.priceSource());
            }
        }
        for (ServingPointResult p : r.servingPoints()) {
            CostMetrics c = p.cost();
            if (c != null) {
                return usdPerHour(c.usdPerHour(), c.utilization(), c.priceLabel(), c.priceSource());
            }
        }
        return "none (cost figures left out)";
    }

    private static String usdPerHour(double usd, double utilization, String label, String source) {
        String u = utilization < 1 ? ", utilization " + percent(utilization) + "%" : "";
        return "$" + significant(usd, 4) + " per device-hour, " + label + u + " (" + source + ")";
    }

    /** Header of the precision column: the headline metric's relative 95% CI half-width, in percent. */
    static final String PRECISION_COLUMN = "\u00b1CI%";
    /** The headline columns, as the console and Markdown tables show them. */
    static final List<String> HEADLINE_COLUMNS = List.of("batch", "prompt", "output", "trials",
            "TTFT p50 ms", "TPOT p50 ms", "ITL p99 ms", "E2E p50 ms", "out tok/s", "total tok/s", "req/s",
            "decode MBU %", "prefill MFU %", "$/query", "$/M out tok", PRECISION_COLUMN);
    /** Marks a precision cell whose target was not reached. */
    static final String NOT_REACHED = "*";

    private static TextTable table(List<PointResult> points) {
        TextTable t = new TextTable();
        for (String h : HEADLINE_COLUMNS) {
            t.right(h);
        }
        for (PointResult p : points) {
            t.row(headlineCells(p));
        }
        return t;
    }

    /** One point's headline cells, formatted, one per {@link #HEADLINE_COLUMNS} entry. */
    static String[] headlineCells(PointResult p) {
        PointMetrics m = p.metrics();
        Utilization u = p.roofline() == null ? null : p.roofline().measured();
        CostMetrics c = p.cost();
        return new String[] {Integer.toString(p.batch()), Integer.toString(p.promptLength()),
                Integer.toString(p.outputLength()), Integer.toString(p.trials().size()),
                ms(m == null ? null : m.ttftMs(), false),
                ms(m == null ? null : m.tpotMs(), false),
                ms(m == null ? null : m.itlMs(), true),
                ms(m == null ? null : m.e2eMs(), false),
                rate(m == null ? null : m.outputTokensPerSecond()),
                rate(m == null ? null : m.totalTokensPerSecond()),
                rate(m == null ? null : m.requestsPerSecond()),
                u == null ? UNDEFINED : percent(u.decodeMbu()),
                u == null ? UNDEFINED : percent(u.prefillMfu()),
                c == null ? UNDEFINED : significant(c.usdPerQuery(), 3),
                c == null ? UNDEFINED : significant(c.usdPerMillionOutput(), 3),
                precision(p.precision())};
    }

    /** The serving table's columns, as the console, Markdown and HTML tables show them. */
    static final List<String> SERVING_COLUMNS = List.of("point", "offered req/s", "req/s", "out tok/s",
            "TTFT p50 ms", "TTFT p99 ms", "TPOT p50 ms", "TPOT p99 ms", "ITL p99 ms", "E2E p50 ms", "goodput req/s",
            "SLO", "preempt", "$/M out tok", "load");
    /** The serving columns that hold text, left-aligned; the others are numbers. */
    static final List<String> SERVING_TEXT_COLUMNS = List.of("point", "SLO", "load");

    private static TextTable servingTable(List<ServingPointResult> points) {
        TextTable t = new TextTable();
        for (String h : SERVING_COLUMNS) {
            if (SERVING_TEXT_COLUMNS.contains(h)) {
                t.left(h);
            } else {
                t.right(h);
            }
        }
        for (ServingPointResult p : points) {
            t.row(servingCells(p));
        }
        return t;
    }

    /** One serving point's cells, formatted, one per {@link #SERVING_COLUMNS} entry. */
    static String[] servingCells(ServingPointResult p) {
        ServingSummary m = p.metrics();
        ServingPointResult.SloResult slo = p.slo();
        CostMetrics c = p.cost();
        return new String[] {p.label(), significant(p.offeredRate(), 4),
                m == null ? UNDEFINED : significant(m.requestsPerSecond(), 4),
                m == null ? UNDEFINED : significant(m.outputTokensPerSecond(), 4),
                ms(m == null ? null : m.ttftMs(), false),
                ms(m == null ? null : m.ttftMs(), true),
                ms(m == null ? null : m.tpotMs(), false),
                ms(m == null ? null : m.tpotMs(), true),
                ms(m == null ? null : m.itlMs(), true),
                ms(m == null ? null : m.e2eMs(), false),
                slo == null ? UNDEFINED : significant(slo.goodput(), 4),
                sloVerdict(slo), Long.toString(p.preemptions()),
                c == null ? UNDEFINED : significant(c.usdPerMillionOutput(), 3),
                loadCell(p.load())};
    }

    /** "met" or "missed" (every SLO at its percentile), {@value TextTable#UNDEFINED} without SLOs. */
    static String sloVerdict(ServingPointResult.SloResult slo) {
        return slo == null ? UNDEFINED : slo.meetsSlo() ? "met" : "missed";
    }

    /** "steady", "OVERLOADED" (loud: latencies are not steady-state) or "not judged". */
    static String loadCell(ServingPointResult.LoadResult load) {
        if (load == null) {
            return UNDEFINED;
        }
        return switch (load.status()) {
            case "STEADY" -> "steady";
            case "OVERLOADED" -> "OVERLOADED";
            case "NOT_JUDGED" -> "not judged";
            default -> load.status();
        };
    }

    /**
     * The relative 95% CI half-width in percent ("3.4"), {@value TextTable#UNDEFINED} when undefined (one
     * trial), followed by {@value #NOT_REACHED} when the policy's target was not reached.
     */
    static String precision(Precision pr) {
        if (pr == null) {
            return UNDEFINED;
        }
        return percent(pr.relativeCiHalfWidth()) + (pr.reached() ? "" : NOT_REACHED);
    }

    /** The footnote that explains {@value #NOT_REACHED}, or null when every point reached its target. */
    static String imprecisionNote(List<PointResult> points) {
        List<String> stops = new ArrayList<>();
        Precision first = null;
        for (PointResult p : points) {
            Precision pr = p.precision();
            if (pr != null && !pr.reached()) {
                first = first == null ? pr : first;
                if (!stops.contains(pr.stoppedBy())) {
                    stops.add(pr.stoppedBy());
                }
            }
        }
        if (first == null) {
            return null;
        }
        return NOT_REACHED + " " + PRECISION_COLUMN + " is the 95% confidence half-width of the mean " + first.metric()
                + ", relative; " + NOT_REACHED + " marks points whose trials stopped (" + String.join(", ", stops)
                + ") before it was within the \u00b1" + targetPercent(first.target()) + "% target";
    }

    /** A precision target as a short percentage: 0.01 as "1", 0.005 as "0.5". */
    static String targetPercent(double fraction) {
        String s = significant(fraction * 100, 3);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("\\.?0+$", "") : s;
    }

    private static String ms(Summary s, boolean p99) {
        return s == null ? UNDEFINED : significant(p99 ? s.p99() : s.p50(), 4);
    }

    private static String rate(Summary s) {
        return s == null ? UNDEFINED : significant(s.median(), 4);
    }

    /** Every notice as a console line: errors loudly (they make figures wrong or partial), then the rest. */
    static List<String> warnings(Result r) {
        List<String> out = new ArrayList<>();
        for (Notice n : Notice.of(r)) {
            String prefix = n.level() == Notice.Level.ERROR ? LOUD
                    : n.level() == Notice.Level.WARNING ? "warning: " : "note: ";
            out.add(prefix + n.message());
        }
        return out;
    }
}
