package dev.tokenmeter.cli;

import dev.tokenmeter.scenario.fleet.FleetMerge;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tokenmeter fleet merge}: a fleet's results folder, merged into one result with the fleet's verdict. */
@Command(name = "merge", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Merges a fleet's results folder (the rank files its ranks wrote) into one result: the fleet's"
                + " capacity and cost, the spread between GPUs, stragglers, GPUs with wrong answers, failed ranks."
                + " Keeps it as DIR/fleet.json and prints the report.",
                "Says what is wrong with the folder: missing ranks, two files for one rank, another fleet's files,"
                        + " corrupt files, ranks that never finished. Exit 0: every rank finished and nothing was"
                        + " found; 3: a rank failed, a straggler or wrong answers; 1: nothing to merge; 2: bad"
                        + " options."})
final class FleetMergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "DIR", description = "The fleet's results folder.")
    Path folder;

    @Option(names = "--fleet-id", paramLabel = "ID",
            description = "The fleet's id; files of another are foreign. Default: the id most rank files carry.")
    String fleetId;

    @Option(names = "--ranks", paramLabel = "N", defaultValue = "0",
            description = "The fleet's size, so that missing ranks are counted. Default: what the rank files say.")
    int ranks;

    @Option(names = "--scheduler", paramLabel = "NAME", defaultValue = "folder", hidden = true)
    String scheduler;

    @Mixin
    FleetVerdictOptions verdict;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Reports reports = verdict.reports();
        FleetMerge.Options options = verdict.merge(fleetId, ranks, scheduler, null);
        reports.prepare(err);
        FleetMerge.Merged merged;
        try {
            merged = FleetMerge.merge(folder, options);
        } catch (IllegalArgumentException e) {
            // Nothing to merge is not the user's typo: the run failed.
            err.println("tokenmeter: error: " + e.getMessage());
            err.flush();
            return Main.EXIT_FAILED;
        }
        return verdict.report(merged, folder, reports, out, err);
    }
}
