package dev.tokenmeter.cli;

import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.fleet.FleetMerge;
import dev.tokenmeter.scenario.fleet.FleetPoint;
import dev.tokenmeter.scenario.fleet.FleetSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a fleet's folder is merged and judged, and where its reports go: what {@code fleet submit} and
 * {@code fleet merge} share.
 */
final class FleetVerdictOptions {
    @Option(names = "--alpha", defaultValue = "" + FleetSpec.DEFAULT_ALPHA, paramLabel = "P",
            description = "The straggler test's family-wise false-alarm rate over every GPU and point."
                    + " Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--min-deficit", defaultValue = "5%", paramLabel = "PERCENT",
            description = "The smallest deficit against the fleet's median GPU called a straggler (5% or 0.05)."
                    + " Default: ${DEFAULT-VALUE}.")
    String minDeficit;

    @Option(names = "--plan-percentile", defaultValue = "10", paramLabel = "P",
            description = "Capacity plans rest on this percentile of the fleet's GPUs, not the mean."
                    + " Default: ${DEFAULT-VALUE}.")
    double planPercentile;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Report format: table, json, csv, markdown or html; on stdout, or in the --output file.")
    String format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the report in --format to this file.")
    Path output;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also keep the fleet's result here (it is always kept as fleet.json in the results folder).")
    Path json;

    /** The merge's options, for a fleet of this id, size, scheduler and job. */
    FleetMerge.Options merge(String fleetId, int ranks, String scheduler, String job) {
        if (!(alpha > 0 && alpha <= 0.5)) {
            throw new IllegalArgumentException("--alpha must be in (0, 0.5], got " + alpha);
        }
        double deficit = Args.fraction("--min-deficit", minDeficit, "5%", true);
        if (!(planPercentile > 0 && planPercentile <= 50)) {
            throw new IllegalArgumentException("--plan-percentile must be in (0, 50], got " + planPercentile);
        }
        return new FleetMerge.Options(fleetId, ranks, scheduler, job, alpha, deficit, planPercentile);
    }

    /** The report destinations, checked before anything runs. */
    Reports reports() {
        return Reports.of(format, output, json);
    }

    /**
     * Keeps the merged result as {@code fleet.json} in the folder (atomically), writes the reports, and gives the
     * exit code: 0 for a fleet with every rank finished and nothing found, 3 for one that failed its acceptance (a
     * rank failed, a straggler, wrong answers), said on stderr.
     */
    int report(FleetMerge.Merged merged, Path folder, Reports reports, PrintWriter out, PrintWriter err) {
        Result r = merged.result();
        Path kept = folder.resolve("fleet.json");
        AtomicFiles.writeString(kept, ResultJson.toJson(r) + "\n");
        if (json != null && !json.toString().equals("-")) {
            ResultJson.write(r, json);
        }
        reports.write(r, out, err);
        long slow = r.points(FleetPoint.class).stream().filter(p -> p.straggler() != null && p.straggler().slow())
                .map(FleetPoint::rank).distinct().count();
        long wrong = r.points(FleetPoint.class).stream().filter(p -> p.answers() != null && p.answers().wrong())
                .map(FleetPoint::rank).distinct().count();
        int failed = merged.failed().size();
        err.println("fleet: merged " + r.points(FleetPoint.class).stream().map(FleetPoint::rank).distinct().count()
                + " ranks into " + kept + ": " + failed + " failed, " + slow + " straggler" + (slow == 1 ? "" : "s")
                + ", " + wrong + " with wrong answers" + (merged.problems().isEmpty() ? ""
                        : "; " + merged.problems().size() + " problem" + (merged.problems().size() == 1 ? "" : "s")
                                + " with the folder, in the report"));
        err.flush();
        return failed > 0 || slow > 0 || wrong > 0 ? Main.EXIT_REGRESSION : Main.EXIT_OK;
    }
}
