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
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
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
        sb.append('\n');
        sb.append(table(result.points()).render());
        List<String> warnings = warnings(result);
        if (!warnings.isEmpty()) {
            sb.append('\n');
            for (String w : warnings) {
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
                env == null ? "?" : env.tokenmeterVersion(), r.scenario(), r.points().size(),
                r.points().size() == 1 ? "" : "s", r.complete() ? "" : " (INCOMPLETE)"));
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
        if (spec != null && spec.measurement() != null) {
            sb.append(String.format(Locale.ROOT,
                    "trials    %d warm-up, then %d to %d per point within %s s; medians unless marked%n",
                    spec.measurement().warmupTrials(), spec.measurement().minTrials(),
                    spec.measurement().maxTrials(), significant(spec.measurement().budgetSeconds(), 3)));
        }
    }

    private static String shape(ModelConfig m) {
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

    private static String ceilings(DeviceCeilings c) {
        return bandwidth(c.memoryBandwidth()) + ", " + flops(c.flops()) + " (" + c.source() + ")";
    }

    /** The price the costs were computed with: the one asked for, else the one the points carry. */
    private static String price(Result r) {
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
        return "none (cost figures left out)";
    }

    private static String usdPerHour(double usd, double utilization, String label, String source) {
        String u = utilization < 1 ? ", utilization " + percent(utilization) + "%" : "";
        return "$" + significant(usd, 4) + " per device-hour, " + label + u + " (" + source + ")";
    }

    private static TextTable table(List<PointResult> points) {
        TextTable t = new TextTable()
                .right("batch").right("prompt").right("output").right("trials")
                .right("TTFT p50 ms").right("TPOT p50 ms").right("ITL p99 ms").right("E2E p50 ms")
                .right("out tok/s").right("total tok/s").right("req/s")
                .right("decode MBU %").right("prefill MFU %")
                .right("$/query").right("$/M out tok");
        for (PointResult p : points) {
            PointMetrics m = p.metrics();
            Utilization u = p.roofline() == null ? null : p.roofline().measured();
            CostMetrics c = p.cost();
            t.row(Integer.toString(p.batch()), Integer.toString(p.promptLength()),
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
                    c == null ? UNDEFINED : significant(c.usdPerMillionOutput(), 3));
        }
        return t;
    }

    private static String ms(Summary s, boolean p99) {
        return s == null ? UNDEFINED : significant(p99 ? s.p99() : s.p50(), 4);
    }

    private static String rate(Summary s) {
        return s == null ? UNDEFINED : significant(s.median(), 4);
    }

    /**
     * Every warning line: an incomplete run and roofline violations loudly (they make figures wrong or
     * partial), then the points' other warnings, then the run's.
     */
    static List<String> warnings(Result r) {
        List<String> out = new ArrayList<>();
        List<String> cached = new ArrayList<>();
        if (!r.complete()) {
            out.add(LOUD + "INCOMPLETE RUN: only the points above were measured");
        }
        for (PointResult p : r.points()) {
            String where = String.format(Locale.ROOT, "batch %d, prompt %d, output %d: ", p.batch(),
                    p.promptLength(), p.outputLength());
            Roofline roof = p.roofline();
            String violation = roof == null ? null : roof.violation();
            boolean violationListed = false;
            for (String w : p.warnings()) {
                boolean loud = (violation != null && w.contains(violation)) || w.startsWith("MEASUREMENT ERROR");
                violationListed |= loud;
                out.add((loud ? LOUD : "warning: ") + where + w);
            }
            if (violation != null && !violationListed) {
                out.add(LOUD + where + "MEASUREMENT ERROR: " + violation);
            }
            if (roof != null && roof.cacheResident()) {
                cached.add(where.substring(0, where.length() - 2));
            }
        }
        if (!cached.isEmpty()) {
            // One line for all of them: on a CPU with a small model that is every point.
            out.add("note: the working set fits in the device's last-level cache, so MBU above 100% is possible"
                    + " and not an error: " + (cached.size() == r.points().size() && cached.size() > 1
                            ? "all points" : String.join("; ", cached)));
        }
        for (String w : r.warnings()) {
            out.add((w.startsWith("MEASUREMENT ERROR") ? LOUD : "warning: ") + w);
        }
        return out;
    }
}
