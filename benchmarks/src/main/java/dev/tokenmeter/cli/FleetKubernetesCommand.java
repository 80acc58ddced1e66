package dev.tokenmeter.cli;

import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.scheduler.KubernetesJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter fleet kubernetes}: a fleet for a cluster without Slurm, as a Kubernetes Indexed Job manifest that
 * the user applies. Nothing is run against a cluster here.
 */
@Command(name = "kubernetes", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, description = {"Prints a Kubernetes Indexed Job manifest for a fleet: one pod per GPU"
                + " node, each running one tokenmeter rank per GPU, results on a shared PersistentVolumeClaim. Apply"
                + " it yourself (kubectl apply -f), copy the results out, then `tokenmeter fleet merge` them (the"
                + " manifest's header says how). Not run by tokenmeter."})
final class FleetKubernetesCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--image", required = true, paramLabel = "IMAGE",
            description = "The container image holding tokenmeter (the bundle, for instance).")
    String image;

    @Option(names = "--claim", required = true, paramLabel = "PVC",
            description = "The PersistentVolumeClaim every pod writes its ranks' files to (ReadWriteMany).")
    String claim;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "1", description = "GPU nodes, one pod each."
            + " Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(names = "--gpus-per-node", paramLabel = "G", defaultValue = "1", description = "GPUs per node, one rank"
            + " each. Default: ${DEFAULT-VALUE}.")
    int gpusPerNode;

    @Option(names = "--fleet-id", paramLabel = "ID", description = "The fleet's id. Default: the date, time and a"
            + " random suffix.")
    String fleetId;

    @Option(names = "--name", paramLabel = "NAME", description = "The Job's name. Default: tokenmeter-ID.")
    String name;

    @Option(names = "--namespace", paramLabel = "NS", description = "The Job's namespace.")
    String namespace;

    @Option(names = "--executable", paramLabel = "PATH", defaultValue = KubernetesJob.Spec.DEFAULT_EXECUTABLE,
            description = "tokenmeter inside the image. Default: ${DEFAULT-VALUE}.")
    String executable;

    @Option(names = "--gpu-resource", paramLabel = "NAME", defaultValue = KubernetesJob.Spec.DEFAULT_GPU_RESOURCE,
            description = "The GPU resource each pod requests. Default: ${DEFAULT-VALUE}.")
    String gpuResource;

    @Option(names = "--node-selector", paramLabel = "KEY=VALUE", description = "Schedule on nodes with this label."
            + " Repeatable.")
    Map<String, String> nodeSelector = new LinkedHashMap<>();

    @Option(names = "--no-gpu-toleration", description = "Do not tolerate the nvidia.com/gpu NoSchedule taint.")
    boolean noToleration;

    @Option(names = "--time", paramLabel = "DURATION", description = "The Job's time limit (90m, 2h).")
    String timeLimit;

    @Mixin
    RankOptions rankOptions;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the manifest to this file (atomically)"
            + " instead of stdout.")
    Path output;

    @Parameters(paramLabel = "run|serve OPTIONS", description = "What each rank measures, after --.")
    List<String> run = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        // The ranks' options are checked here, as every rank will check them.
        RankRun.parse(run, command.commandLine()).prepare();
        String id = fleetId != null ? fleetId : FleetSubmitCommand.newFleetId();
        // The fleet's size, so that each rank's file says it and the merge counts a rank that never wrote one.
        List<String> rankArguments = new ArrayList<>(List.of("--ranks", Integer.toString(Math.max(0, nodes)
                * Math.max(0, gpusPerNode))));
        rankArguments.addAll(rankOptions.arguments(command.commandLine()));
        Duration limit = timeLimit == null ? null : FleetSubmitCommand.duration("--time", timeLimit);
        String jobName = name != null ? name : ("tokenmeter-" + id).toLowerCase(Locale.ROOT).replaceAll(
                "[^a-z0-9-]", "-");
        Map<String, String> options = Map.of("name", "--name", "image", "--image", "nodes", "--nodes",
                "gpusPerNode", "--gpus-per-node", "resultsClaim", "--claim", "fleetId", "--fleet-id", "namespace",
                "--namespace", "executable", "--executable", "gpuResource", "--gpu-resource");
        KubernetesJob job = new KubernetesJob(Args.checked(options, () -> KubernetesJob.Spec.of(jobName, image,
                nodes, gpusPerNode, claim, id, run).withNamespace(namespace).withExecutable(executable)
                .withGpuResource(gpuResource).withRankOptions(rankArguments).withNodeSelector(nodeSelector)
                .withGpuToleration(!noToleration).withTimeLimit(limit)));
        if (output == null) {
            out.print(job.yaml());
            out.flush();
        } else {
            AtomicFiles.writeString(output, job.yaml());
            err.println("wrote the Job manifest for fleet " + id + " (" + job.spec().ranks() + " ranks) to " + output
                    + "; apply it with kubectl apply -f " + output);
            err.flush();
        }
        return Main.EXIT_OK;
    }
}
