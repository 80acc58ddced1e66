package dev.tokenmeter.report;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a {@link Result} of any scenario as CSV (RFC 4180): a header row, then one row per point, CRLF line ends,
 * a field quoted when it holds a comma, a double quote, CR or LF. Every row starts with the model, backend and
 * device, then the scenario's CSV columns, then the point's mean GPU power and energy per output token and per
 * query (empty where the result has no telemetry of the point), and ends with the point's notices. Numbers are
 * written in plain decimal notation with as many digits as it takes to read the same double back; undefined
 * figures (null, NaN, infinite) are empty fields. Latencies in milliseconds, rates per second, utilizations as
 * fractions (1 = the measured ceiling), costs in US dollars, energy in joules, power in watts. The columns are
 * listed in docs/result-schema.md.
 */
public final class CsvReport {
    private static final String EOL = "\r\n";
    private static final List<String> RUN_COLUMNS = List.of("model", "backend", "device");
    private static final String WARNINGS = "warnings";

    private CsvReport() {
    }

    /** The header row's names for a result of {@code type}, in order. */
    public static List<String> columns(ScenarioType<?, ?> type) {
        List<String> out = new ArrayList<>(RUN_COLUMNS);
        type.tables().csv().forEach(c -> out.add(c.header()));
        out.addAll(TelemetrySection.CSV_COLUMNS);
        out.add(WARNINGS);
        return out;
    }

    public static String render(Result result) {
        DeviceInfo device = result.environment() == null ? null : result.environment().device();
        String backend = device != null ? device.backend() : result.spec().backend();
        List<String> run = List.of(result.spec().model().name(), backend, device == null ? "" : device.name());
        StringBuilder sb = new StringBuilder();
        line(sb, columns(result.type()));
        rows(sb, result.type(), result, run);
        return sb.toString();
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> void rows(StringBuilder sb,
            ScenarioType<S, P> type, Result result, List<String> run) {
        List<Column<P>> columns = type.tables().csv();
        DeviceTelemetry telemetry = TelemetrySection.of(result);
        List<P> points = result.points(type.pointType());
        for (int i = 0; i < points.size(); i++) {
            P p = points.get(i);
            List<String> fields = new ArrayList<>(run);
            fields.addAll(List.of(Reports.cells(columns, p)));
            fields.addAll(TelemetrySection.csvCells(telemetry, i, p.label()));
            List<String> w = new ArrayList<>();
            for (Notice n : type.notices(p)) {
                w.add(n.text());
            }
            fields.add(String.join(" | ", w));
            line(sb, fields);
        }
    }

    private static void line(StringBuilder sb, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(quote(fields.get(i)));
        }
        sb.append(EOL);
    }

    /** A field as RFC 4180 wants it: quoted, with quotes doubled, when it holds a comma, quote, CR or LF. */
    static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\r') < 0
                && field.indexOf('\n') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
