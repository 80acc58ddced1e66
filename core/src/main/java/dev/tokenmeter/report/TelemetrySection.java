package dev.tokenmeter.report;

import static dev.tokenmeter.result.TextTable.fixed;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.EccCounts;
import dev.tokenmeter.telemetry.RetiredPages;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What every renderer shows of a result's device telemetry ({@code environment.telemetry}), in the same words: the
 * GPU and how it was read, ECC errors and retired pages with their change during the run, and a table of one row
 * per measured point (power, energy per output token and per query, SM clocks, temperature, throttle reasons). A
 * result without telemetry (written before it was recorded) shows nothing; a run without it (a CPU run, a host
 * without NVML) shows the one line of {@link #unavailableLine}.
 */
final class TelemetrySection {
    /** The CSV columns, after the scenario's and before the notices. */
    static final List<String> CSV_COLUMNS = List.of("power_w_mean", "energy_j_per_output_token",
            "energy_j_per_query");

    private static final String[] HEADERS = {"point", "s", "mean W", "max W", "J/out tok", "J/query", "SM MHz min",
        "SM MHz median", "mem MHz median", "max °C", "throttle reasons"};

    private TelemetrySection() {
    }

    /** The result's telemetry; null for a result that has none recorded. */
    static DeviceTelemetry of(Result r) {
        return r.environment() == null ? null : r.environment().telemetry();
    }

    /** Whether a section with the GPU's figures is shown: some GPU or window was read. */
    static boolean hasFigures(DeviceTelemetry t) {
        return t != null && (t.gpu() != null || !t.windows().isEmpty());
    }

    /** "Telemetry: not available: REASON" for telemetry that read nothing; null otherwise. */
    static String unavailableLine(DeviceTelemetry t) {
        if (t == null || hasFigures(t)) {
            return null;
        }
        return "Telemetry: not available: " + (t.unavailable() == null ? "nothing was read" : t.unavailable());
    }

    /** The lines above the table: the GPU, its driver and sampling, ECC, retired pages, and why it stopped. */
    static List<Detail> lines(DeviceTelemetry t) {
        List<Detail> out = new ArrayList<>();
        String source = DeviceTelemetry.NVML.equals(t.source()) ? "NVML" : t.source();
        out.add(new Detail("GPU", (t.gpu() == null ? "unknown" : t.gpu().describe())
                + (t.driverVersion() == null ? "" : ", driver " + t.driverVersion())));
        String from = t.windows().stream().map(TelemetryWindow::energyFrom).filter(Objects::nonNull).distinct()
                .map(f -> TelemetryWindow.FROM_COUNTER.equals(f) ? "the GPU's energy counter"
                        : TelemetryWindow.FROM_SAMPLES.equals(f) ? "sampled power (no energy counter)" : f)
                .reduce((a, b) -> a + " and " + b).orElse(t.windows().isEmpty() ? "no point measured"
                        : "nothing (neither energy nor power was readable)");
        out.add(new Detail("Sampling", "through " + source
                + (t.sampleIntervalMs() == null ? "" : ", every " + t.sampleIntervalMs() + " ms") + "; energy from "
                + from));
        out.add(new Detail("ECC", ecc(t.eccStart(), t.eccEnd())));
        out.add(new Detail("Retired pages", retired(t.retiredPagesStart(), t.retiredPagesEnd())));
        if (t.unavailable() != null) {
            out.add(new Detail("Stopped", t.unavailable()));
        }
        return out;
    }

    /** The table's headers, numeric but the first and last. */
    static String[] headers() {
        return HEADERS.clone();
    }

    /** Whether column {@code i} holds text (left-aligned). */
    static boolean text(int i) {
        return i == 0 || i == HEADERS.length - 1;
    }

    /** One row per window. */
    static List<String[]> rows(DeviceTelemetry t) {
        List<String[]> out = new ArrayList<>();
        for (TelemetryWindow w : t.windows()) {
            out.add(new String[] {w.label(), fixed(w.seconds(), 1), watts(w.meanPowerWatts()),
                watts(w.maxPowerWatts()), joules(w.joulesPerOutputToken()), joules(w.joulesPerQuery()),
                integer(w.smClockMhzMin()), integer(w.smClockMhzMedian()), integer(w.memClockMhzMedian()),
                integer(w.maxTemperatureC()),
                w.samples() == 0 ? TextTable.UNDEFINED
                        : w.throttleReasons().isEmpty() ? "none" : String.join(", ", w.throttleReasons())});
        }
        return out;
    }

    /** The table as the console shows it. */
    static TextTable table(DeviceTelemetry t) {
        TextTable table = new TextTable();
        for (int i = 0; i < HEADERS.length; i++) {
            if (text(i)) {
                table.left(HEADERS[i]);
            } else {
                table.right(HEADERS[i]);
            }
        }
        rows(t).forEach(table::row);
        return table;
    }

    /** The CSV cells of the point at {@code index}, labelled {@code label}: empty where it has no window. */
    static List<String> csvCells(DeviceTelemetry t, int index, String label) {
        TelemetryWindow w = t == null ? null : t.windowOf(index, label);
        if (w == null) {
            return List.of("", "", "");
        }
        return List.of(plain(w.meanPowerWatts()), plain(w.joulesPerOutputToken()), plain(w.joulesPerQuery()));
    }

    private static String plain(Double v) {
        return v == null ? "" : TextTable.plain(v);
    }

    private static String watts(Double w) {
        return w == null ? TextTable.UNDEFINED : fixed(w, 1);
    }

    private static String joules(Double j) {
        return j == null ? TextTable.UNDEFINED : significant(j, 3);
    }

    private static String integer(Integer v) {
        return v == null ? TextTable.UNDEFINED : Integer.toString(v);
    }

    /**
     * "corrected 0, uncorrected 0 (aggregate); corrected 0, uncorrected 0 (volatile); unchanged during the run", a
     * count that changed as "3 → 5 (+2)".
     */
    static String ecc(EccCounts start, EccCounts end) {
        if ((start == null || !start.supported()) && (end == null || !end.supported())) {
            return start == null && end == null ? "not read" : "not supported (no ECC, or ECC off)";
        }
        EccCounts s = start == null ? new EccCounts(null, null, null, null) : start;
        EccCounts e = end == null ? new EccCounts(null, null, null, null) : end;
        List<String> parts = new ArrayList<>();
        String aggregate = pair(s.aggregateCorrected(), e.aggregateCorrected(), s.aggregateUncorrected(),
                e.aggregateUncorrected());
        if (aggregate != null) {
            parts.add(aggregate + " (aggregate)");
        }
        String vol = pair(s.volatileCorrected(), e.volatileCorrected(), s.volatileUncorrected(),
                e.volatileUncorrected());
        if (vol != null) {
            parts.add(vol + " (volatile, since the driver loaded)");
        }
        boolean changed = !Objects.equals(s, e);
        return String.join("; ", parts) + (end == null ? "; not read at the end"
                : changed ? "; CHANGED during the run" : "; unchanged during the run");
    }

    private static String pair(Long correctedStart, Long correctedEnd, Long uncorrectedStart, Long uncorrectedEnd) {
        String c = change(correctedStart, correctedEnd);
        String u = change(uncorrectedStart, uncorrectedEnd);
        if (c == null && u == null) {
            return null;
        }
        return "corrected " + (c == null ? TextTable.UNDEFINED : c) + ", uncorrected "
                + (u == null ? TextTable.UNDEFINED : u);
    }

    /** "single-bit 0, double-bit 0, none pending; unchanged during the run". */
    static String retired(RetiredPages start, RetiredPages end) {
        if ((start == null || !start.supported()) && (end == null || !end.supported())) {
            return start == null && end == null ? "not read"
                    : "not supported (GPUs from A100 on remap rows instead of retiring pages)";
        }
        RetiredPages s = start == null ? new RetiredPages(null, null, null) : start;
        RetiredPages e = end == null ? new RetiredPages(null, null, null) : end;
        Boolean pending = e.pending() != null ? e.pending() : s.pending();
        String text = "single-bit " + orUndefined(change(s.singleBitEcc(), e.singleBitEcc())) + ", double-bit "
                + orUndefined(change(s.doubleBitEcc(), e.doubleBitEcc()))
                + (pending == null ? "" : pending ? ", a retirement PENDING (until the driver reloads)"
                        : ", none pending");
        return text + (end == null ? "; not read at the end"
                : Objects.equals(s, e) ? "; unchanged during the run" : "; CHANGED during the run");
    }

    /** "4" where both are 4 (or one is unknown), "3 → 5 (+2)" where it changed; null where neither is known. */
    static String change(Long start, Long end) {
        if (start == null && end == null) {
            return null;
        }
        if (start == null || end == null || start.equals(end)) {
            return Long.toString(start == null ? end : start);
        }
        long d = end - start;
        return start + " → " + end + " (" + (d > 0 ? "+" : "") + d + ")";
    }

    private static String orUndefined(String s) {
        return s == null ? TextTable.UNDEFINED : s;
    }
}
