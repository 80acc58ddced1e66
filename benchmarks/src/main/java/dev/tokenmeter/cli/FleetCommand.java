package dev.tokenmeter.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tokenmeter fleet}: one benchmark per GPU across a cluster, merged into a fleet's verdict. */
@Command(name = "fleet", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Fleet acceptance: one tokenmeter rank per GPU across many nodes (Slurm, or Kubernetes),"
                + " merged into one verdict: capacity and cost, the spread between GPUs, stragglers, GPUs that"
                + " compute wrong answers, and failed ranks.",
        subcommands = {FleetSubmitCommand.class, FleetRankCommand.class, FleetMergeCommand.class,
            FleetKubernetesCommand.class})
final class FleetCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a fleet command is needed: submit, rank, merge or"
                + " kubernetes");
    }
}
