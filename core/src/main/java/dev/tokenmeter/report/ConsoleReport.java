package dev.tokenmeter.report;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Result} of any scenario as a plain-text console report: a header (model, backend, device,
 * ceilings, price, and the lines the scenario adds), the scenario's table, one row per point, then its footnotes
 * and the notices, and last the device's telemetry. It only formats what the result holds; every figure shown was
 * computed when the result was built. Undefined figures (null, NaN) show as {@value TextTable#UNDEFINED}.
 */
public final class ConsoleReport {
    /** Prefix of lines a reader must not miss: measurement errors and incomplete runs. */
    public static final String LOUD = "!! ";

    private ConsoleReport() {
    }

    public static String render(Result result) {
        StringBuilder sb = new StringBuilder();
        header(sb, result);
        sb.append('\n').append(table(result).render());
        List<String> notes = new ArrayList<>(Reports.footnotes(result));
        notes.addAll(notices(result));
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (String w : notes) {
                sb.append(w).append('\n');
            }
        }
        telemetry(sb, TelemetrySection.of(result));
        return sb.toString();
    }

    private static void header(StringBuilder sb, Result r) {
        RunSpec spec = r.spec();
        Environment env = r.environment();
        DeviceInfo device = env == null ? null : env.device();
        int n = r.points().size();
        sb.append(String.format(Locale.ROOT, "tokenmeter %s: %s run, %d point%s%s%n",
                env == null ? "?" : env.tokenmeterVersion(), r.scenario(), n, n == 1 ? "" : "s",
                r.complete() ? "" : " (INCOMPLETE)"));
        sb.append("model     ").append(RunDescription.shape(spec.model())).append('\n');
        sb.append("backend   ").append(RunDescription.backend(r));
        sb.append(String.format(Locale.ROOT, ", seed %d, %s%n", spec.seed(), RunDescription.threads(spec.threads())));
        if (device != null) {
            sb.append("device    ").append(RunDescription.device(env)).append('\n');
            sb.append("ceilings  ").append(RunDescription.ceilings(device.measured())).append('\n');
            if (device.datasheet() != null) {
                sb.append("          ").append(RunDescription.ceilings(device.datasheet())).append('\n');
            }
        }
        String host = RunDescription.host(env);
        if (host != null) {
            sb.append("host      ").append(host).append('\n');
        }
        sb.append("price     ").append(RunDescription.price(r)).append('\n');
        for (Detail d : Reports.details(r)) {
            sb.append(String.format(Locale.ROOT, "%-10s", d.name().toLowerCase(Locale.ROOT))).append(d.text())
                    .append('\n');
        }
    }

    /**
     * The device's telemetry at the end: the GPU's lines and a row per point, or the one line saying why there is
     * none; nothing for a result that has no record of it.
     */
    private static void telemetry(StringBuilder sb, DeviceTelemetry t) {
        String unavailable = TelemetrySection.unavailableLine(t);
        if (unavailable != null) {
            sb.append('\n').append(unavailable).append('\n');
        } else if (TelemetrySection.hasFigures(t)) {
            sb.append("\nTelemetry\n");
            for (Detail d : TelemetrySection.lines(t)) {
                sb.append(String.format(Locale.ROOT, "%-15s", d.name().toLowerCase(Locale.ROOT))).append(d.text())
                        .append('\n');
            }
            if (!t.windows().isEmpty()) {
                sb.append(TelemetrySection.table(t).render());
            }
        }
    }

    /** The scenario's table of the result's points. */
    static TextTable table(Result r) {
        return table(r.type(), r);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> TextTable table(ScenarioType<S, P> type,
            Result r) {
        TextTable t = new TextTable();
        for (Column<P> c : type.tables().table()) {
            if (c.text()) {
                t.left(c.header());
            } else {
                t.right(c.header());
            }
        }
        for (P p : r.points(type.pointType())) {
            t.row(Reports.cells(type.tables().table(), p));
        }
        return t;
    }

    /** Every notice as a console line: errors loudly (they make figures wrong or partial), then the rest. */
    static List<String> notices(Result r) {
        List<String> out = new ArrayList<>();
        for (Notice n : Notice.of(r)) {
            String prefix = n.level() == Notice.Level.ERROR ? LOUD
                    : n.level() == Notice.Level.WARNING ? "warning: " : "note: ";
            out.add(prefix + n.message());
        }
        return out;
    }
}
