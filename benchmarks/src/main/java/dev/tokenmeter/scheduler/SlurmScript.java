package dev.tokenmeter.scheduler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The batch script of a fleet on Slurm: one job of {@code nodes} nodes, one task per GPU ({@code srun}, one GPU per
 * task, so that Slurm sets each task's {@code CUDA_VISIBLE_DEVICES}), each task a {@code tokenmeter fleet rank} that
 * writes its file into the shared results folder. No {@code --kill-on-bad-exit}: a rank that fails leaves a file
 * saying why and the others go on.
 *
 * @param fleetId     the fleet's id, carried by every rank
 * @param results     the shared results folder (an absolute path that every node sees)
 * @param nodes       nodes to run on
 * @param gpusPerNode GPUs per node, one rank each; 0 asks for no GPU (a CPU fleet: one rank per node)
 * @param nodelist    the nodes to use ({@code --nodelist}), or null
 * @param partition   {@code --partition}, or null for the cluster's default
 * @param account     {@code --account}, or null
 * @param timeLimit   {@code --time} ("30:00", "1-00:00:00"), or null for the partition's default
 * @param extra       more {@code sbatch} options, each one word ("--exclusive", "--constraint=h200")
 * @param launcher    how a node starts tokenmeter (its launcher's absolute path, or java and the jar)
 * @param rankOptions the options of {@code fleet rank} before {@code --} (verification, injected faults)
 * @param run         what each rank measures: {@code run} or {@code serve} and its options
 */
public record SlurmScript(String fleetId, Path results, int nodes, int gpusPerNode, String nodelist, String partition,
        String account, String timeLimit, List<String> extra, List<String> launcher, List<String> rankOptions,
        List<String> run) {
    public SlurmScript {
        Objects.requireNonNull(fleetId, "fleetId");
        Objects.requireNonNull(results, "results");
        if (!results.isAbsolute()) {
            throw new IllegalArgumentException("the results folder must be an absolute path that every node sees, got "
                    + results);
        }
        if (!results.toString().matches("[^\\s'\"\\\\]+")) {
            throw new IllegalArgumentException("the results folder's path may hold no space, quote or backslash (Slurm"
                    + " reads it in #SBATCH lines), got " + results);
        }
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes must be >= 1, got " + nodes);
        }
        if (gpusPerNode < 0) {
            throw new IllegalArgumentException("--gpus-per-node must be >= 0 (0: a CPU fleet), got " + gpusPerNode);
        }
        extra = List.copyOf(extra == null ? List.of() : extra);
        for (String e : extra) {
            if (!e.startsWith("-") || e.contains("\n")) {
                throw new IllegalArgumentException("--sbatch-option takes one sbatch option such as --exclusive or"
                        + " --constraint=h200, got '" + e + "'");
            }
        }
        launcher = List.copyOf(launcher);
        if (launcher.isEmpty()) {
            throw new IllegalArgumentException("the launcher is empty");
        }
        rankOptions = List.copyOf(rankOptions);
        run = List.copyOf(run);
        if (run.isEmpty() || !(run.get(0).equals("run") || run.get(0).equals("serve"))) {
            throw new IllegalArgumentException("each rank runs 'run' or 'serve' with its options, after --");
        }
    }

    /** Ranks in the fleet: one per GPU, or one per node for a CPU fleet. */
    public int ranks() {
        return nodes * Math.max(1, gpusPerNode);
    }

    /** The job's name: "tokenmeter-" and the fleet's id. */
    public String jobName() {
        return "tokenmeter-" + fleetId;
    }

    /** Where the job's own output goes ({@code %j}: the job id). */
    public Path jobLog() {
        return results.resolve("logs").resolve("job-%j.out");
    }

    /** The script's text. */
    public String text() {
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# tokenmeter fleet '" + fleetId + "': " + ranks() + " rank" + (ranks() == 1 ? "" : "s") + ", "
                + (gpusPerNode == 0 ? "one per node (no GPU asked for)" : "one per GPU, " + gpusPerNode + " per node")
                + ".");
        lines.add("# Written by tokenmeter fleet submit. To submit it yourself: mkdir -p " + ShellWords.quote(
                results.resolve("logs").toString()) + " && sbatch THIS_FILE;");
        lines.add("# when the job has ended: tokenmeter fleet merge " + ShellWords.quote(results.toString()));
        lines.add("#SBATCH --job-name=" + jobName());
        lines.add("#SBATCH --nodes=" + nodes);
        lines.add("#SBATCH --ntasks-per-node=" + Math.max(1, gpusPerNode));
        if (gpusPerNode > 0) {
            lines.add("#SBATCH --gpus-per-node=" + gpusPerNode);
        }
        lines.add("#SBATCH --output=" + jobLog());
        if (nodelist != null) {
            lines.add("#SBATCH --nodelist=" + nodelist);
        }
        if (partition != null) {
            lines.add("#SBATCH --partition=" + partition);
        }
        if (account != null) {
            lines.add("#SBATCH --account=" + account);
        }
        if (timeLimit != null) {
            lines.add("#SBATCH --time=" + timeLimit);
        }
        for (String e : extra) {
            lines.add("#SBATCH " + e);
        }
        lines.add("set -u");
        lines.add("");
        lines.add("# One task per GPU, each bound to its own (Slurm sets CUDA_VISIBLE_DEVICES); a rank that fails");
        lines.add("# writes why into its file and the others go on. Each rank's output: logs/rank-N.out.");
        List<String> srun = new ArrayList<>(List.of("srun", "--kill-on-bad-exit=0", "--ntasks-per-node="
                + Math.max(1, gpusPerNode)));
        if (gpusPerNode > 0) {
            srun.add("--gpus-per-task=1");
        }
        srun.add("--output=" + results.resolve("logs").resolve("rank-%t.out"));
        List<String> rank = new ArrayList<>(launcher);
        rank.addAll(List.of("fleet", "rank", "--results", results.toString(), "--fleet-id", fleetId));
        rank.addAll(rankOptions);
        rank.add("--");
        rank.addAll(run);
        lines.add(ShellWords.join(srun) + " \\");
        lines.add("    " + ShellWords.join(rank));
        return String.join("\n", lines) + "\n";
    }
}
