package dev.tokenmeter.scenario.fleet;

import static dev.tokenmeter.result.TextTable.fixed;
import static dev.tokenmeter.result.TextTable.plain;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.fleet.RankGpu;
import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Tables;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The fleet's per-GPU table in reports and its CSV columns. */
final class FleetTable {
    private FleetTable() {
    }

    static final Tables<FleetPoint> TABLES = new Tables<>("Per-GPU points", "points fleet",
            List.of(Column.number("rank", p -> Integer.toString(p.rank())),
                    Column.text("node", FleetPoint::node),
                    Column.text("GPU", p -> p.gpu() == null ? "-" : p.gpu().shortName()),
                    Column.text("point", FleetPoint::pointLabel),
                    Column.number("output tok/s", p -> significant(p.outputTokensPerSecond(), 4)),
                    Column.number("vs fleet", p -> Double.isFinite(p.vsFleet())
                            ? String.format(Locale.ROOT, "%+.1f%%", 100 * (p.vsFleet() - 1)) : "-"),
                    Column.number("J/out tok", p -> p.joulesPerOutputToken() == null ? "-"
                            : significant(p.joulesPerOutputToken(), 3)),
                    Column.text("straggler", FleetTable::stragglerCell),
                    Column.text("answers", FleetTable::answersCell),
                    Column.text("state", p -> p.ok() ? "ok" : "FAILED")),
            List.of(Column.number("rank", p -> Integer.toString(p.rank())),
                    Column.text("node", FleetPoint::node),
                    Column.text("host", p -> nz(p.host())),
                    Column.number("gpu_local_index", p -> gpu(p, g -> g.localIndex() == null ? ""
                            : g.localIndex().toString())),
                    Column.text("gpu_visible", p -> gpu(p, RankGpu::visibleDevices)),
                    Column.text("gpu_uuid", p -> gpu(p, RankGpu::uuid)),
                    Column.text("gpu_pci_bus_id", p -> gpu(p, RankGpu::pciBusId)),
                    Column.text("rank_device", p -> nz(p.device())),
                    Column.text("point", p -> p.point() == null ? "" : p.point().label()),
                    Column.text("state", p -> p.ok() ? "ok" : "failed"),
                    Column.text("failure", p -> nz(p.failure())),
                    Column.number("output_tok_s", p -> plain(p.outputTokensPerSecond())),
                    Column.number("requests_per_s", p -> plain(p.queriesPerSecond())),
                    Column.number("vs_fleet", p -> plain(p.vsFleet())),
                    Column.text("straggler", p -> p.straggler() == null ? "" : p.straggler().slow() ? "yes" : "no"),
                    Column.number("straggler_deficit", p -> p.straggler() == null ? ""
                            : plain(p.straggler().deficit())),
                    Column.number("straggler_confidence", p -> p.straggler() == null ? ""
                            : plain(p.straggler().confidence())),
                    Column.text("answers", p -> p.answers() == null ? "" : p.answers().status().name()
                            .toLowerCase(Locale.ROOT)),
                    Column.text("verify", p -> p.verify() == null ? "" : p.verify().status()),
                    Column.text("fault", p -> nz(p.fault()))),
            List.of(Column.text("node", FleetPoint::node),
                    Column.text("GPU", p -> p.gpu() == null ? "-" : p.gpu().uuid() != null ? p.gpu().uuid()
                            : p.gpu().shortName()),
                    Column.text("point", FleetPoint::pointLabel)));

    static String stragglerCell(FleetPoint p) {
        FleetPoint.Straggler s = p.straggler();
        if (s == null) {
            return "-";
        }
        return s.slow() ? String.format(Locale.ROOT, "SLOW %s%% (%s)", fixed(100 * s.deficit(), 1),
                confidence(s.confidence())) : "no";
    }

    static String answersCell(FleetPoint p) {
        if (p.answers() == null) {
            return "-";
        }
        return switch (p.answers().status()) {
            case AGREES -> "agree";
            case UNCHECKED -> "unchecked";
            case DISAGREES -> "WRONG";
        };
    }

    /** A confidence as a percentage with as many nines as it has: "99.97%". */
    static String confidence(double c) {
        if (!(1 - c >= 5e-7)) {
            return ">99.9999%";
        }
        int decimals = Math.max(1, Math.min(4, (int) Math.ceil(-Math.log10(1 - c)) - 1));
        return String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * c);
    }

    private static String gpu(FleetPoint p, Function<RankGpu, String> field) {
        return p.gpu() == null ? "" : nz(field.apply(p.gpu()));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
