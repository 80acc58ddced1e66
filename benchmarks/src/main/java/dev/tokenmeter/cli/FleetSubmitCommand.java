package dev.tokenmeter.cli;

import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.scenario.fleet.FleetMerge;
import dev.tokenmeter.scheduler.SlurmException;
import dev.tokenmeter.scheduler.SlurmJob;
import dev.tokenmeter.scheduler.SlurmScript;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter fleet submit}: a fleet on Slurm. Writes one batch script (one rank per GPU), submits it, follows
 * the job (ranks started, finished, failed), and merges the ranks' files when it ends. Every wait has a deadline;
 * a job that outlives it goes on, and {@code fleet merge} merges its folder later.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs a fleet on Slurm: one tokenmeter rank per GPU on every node (sbatch, srun), each checked"
                + " against the CPU reference first (verify), then merged into the fleet's verdict.",
                "Example: tokenmeter fleet submit --nodes 16 --gpus-per-node 8 --partition h200 --time 1:00:00"
                        + " -- run --model llama-3.1-8b --batch 1,64",
                "--dry-run prints the batch script instead, for submitting it yourself; then merge with"
                        + " `tokenmeter fleet merge DIR`. Exit 0: every rank finished and nothing was found; 3: a"
                        + " rank failed, a straggler or wrong answers; 1: the job or the merge failed; 2: bad options"
                        + " or a job Slurm refused."})
final class FleetSubmitCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "1", description = "Nodes. Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(names = "--gpus-per-node", paramLabel = "G", defaultValue = "1",
            description = "GPUs per node, one rank each; 0 asks Slurm for no GPU (a CPU fleet, one rank per node)."
                    + " Default: ${DEFAULT-VALUE}.")
    int gpusPerNode;

    @Option(names = "--nodelist", paramLabel = "LIST", description = "The nodes to run on (sbatch --nodelist).")
    String nodelist;

    @Option(names = "--partition", paramLabel = "NAME", description = "The partition (sbatch --partition).")
    String partition;

    @Option(names = "--account", paramLabel = "NAME", description = "The account (sbatch --account).")
    String account;

    @Option(names = "--time", paramLabel = "LIMIT", description = "The job's time limit (sbatch --time: 30:00).")
    String timeLimit;

    @Option(names = "--sbatch-option", paramLabel = "OPTION",
            description = "Any other sbatch option, one per use (--sbatch-option=--exclusive).")
    List<String> sbatchOptions = new ArrayList<>();

    @Option(names = "--results", paramLabel = "DIR",
            description = "The shared results folder every node sees. Default: ./fleet-ID.")
    Path results;

    @Option(names = "--fleet-id", paramLabel = "ID", description = "The fleet's id. Default: the date, time and a"
            + " random suffix.")
    String fleetId;

    @Option(names = "--launcher", paramLabel = "COMMAND",
            description = "How a node starts tokenmeter, words split on spaces. Default: this launcher's own path.")
    String launcher;

    @Mixin
    RankOptions rankOptions;

    @Option(names = "--dry-run", description = "Print the batch script and stop: nothing is submitted or written.")
    boolean dryRun;

    @Option(names = "--wait-limit", paramLabel = "DURATION", defaultValue = "24h",
            description = "Stop following the job after this long (90s, 30m, 24h); the job goes on, and `fleet merge`"
                    + " merges it later. Default: ${DEFAULT-VALUE}.")
    String waitLimit;

    @Mixin
    FleetVerdictOptions verdict;

    @Parameters(paramLabel = "run|serve OPTIONS", description = "What each rank measures, after --.")
    List<String> run = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        // Everything is checked before anything is submitted: the ranks' options by their own command.
        Measuring.Prepared rankRun = RankRun.parse(run, command.commandLine()).prepare();
        String id = fleetId != null ? fleetId : newFleetId();
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new ParameterException(command.commandLine(), "--fleet-id may hold letters, digits, '.', '_' and"
                    + " '-' (1 to 64), got '" + id + "'");
        }
        Path folder = (results != null ? results : Path.of("fleet-" + id)).toAbsolutePath().normalize();
        Duration limit = duration("--wait-limit", waitLimit);
        SlurmScript script = new SlurmScript(id, folder, nodes, gpusPerNode, nodelist, partition, account, timeLimit,
                sbatchOptions, launcher(), rankOptions.arguments(command.commandLine()), run);
        Reports reports = verdict.reports();
        FleetMerge.Options options = verdict.merge(id, script.ranks(), "slurm", null);
        if (dryRun) {
            out.print(script.text());
            out.flush();
            return Main.EXIT_OK;
        }
        if (Files.isDirectory(folder)) {
            try (Stream<Path> s = Files.list(folder)) {
                if (s.anyMatch(p -> RankFiles.rankOf(p) >= 0)) {
                    throw new IllegalArgumentException("--results " + folder + " already holds rank files: choose"
                            + " another folder (nothing in it is overwritten), or merge it with `tokenmeter fleet"
                            + " merge`");
                }
            }
        }
        reports.prepare(err);
        Files.createDirectories(folder.resolve("logs"));
        Path file = folder.resolve("job.sbatch");
        AtomicFiles.writeString(file, script.text());
        String estimate = estimate(rankRun);
        SlurmJob job;
        try {
            job = SlurmJob.submit(file);
        } catch (SlurmException e) {
            err.println("tokenmeter: error: " + e.getMessage() + " (the batch script is " + file + ")");
            err.flush();
            return e.refused() ? Main.EXIT_USAGE : Main.EXIT_FAILED;
        }
        err.println("fleet " + id + ": submitted Slurm job " + job.id() + ", " + script.ranks() + " ranks; results in "
                + folder + (estimate == null ? "" : "; each rank: " + estimate));
        err.println("(Ctrl-C stops following; the job goes on: `tokenmeter fleet merge " + folder + "` merges it)");
        err.flush();
        SlurmJob.State end;
        FleetFollower follower = new FleetFollower(job, folder, script.ranks(), err);
        try {
            end = follower.follow(limit);
        } catch (SlurmException e) {
            err.println("tokenmeter: error: " + e.getMessage() + "; the job may go on: `tokenmeter fleet merge "
                    + folder + "` merges what its ranks wrote");
            err.flush();
            return Main.EXIT_FAILED;
        }
        if (end == null) {
            err.println("fleet " + id + ": stopped following job " + job.id() + " after " + waitLimit + "; it goes on."
                    + " When it has ended: tokenmeter fleet merge " + folder);
            err.flush();
            return Main.EXIT_FAILED;
        }
        if (end.never()) {
            job.cancel();
            err.println("tokenmeter: error: Slurm can never run job " + job.id() + " as asked (" + end.reason()
                    + "): cancelled it; change --nodes, --gpus-per-node, --partition, --account or --time");
            err.flush();
            return Main.EXIT_USAGE;
        }
        if (!end.state().equals("COMPLETED")) {
            // Ranks stopped by a signal write why within Slurm's grace period (KillWait, 30 s by default).
            follower.awaitRanksSettled(Duration.ofSeconds(40));
        }
        FleetMerge.Merged merged;
        try {
            merged = FleetMerge.merge(folder, options.withFleet(id, script.ranks(), "slurm", job.id()));
        } catch (IllegalArgumentException e) {
            err.println("tokenmeter: error: job " + job.id() + " ended " + end.describe() + ": " + e.getMessage()
                    + " (the job's log: " + folder.resolve("logs") + ")");
            err.flush();
            return Main.EXIT_FAILED;
        }
        if (!end.state().equals("COMPLETED") && !end.state().equals("FAILED") && !end.state().equals("GONE")) {
            merged = new FleetMerge.Merged(merged.result().withWarnings(List.of("the Slurm job ended "
                    + end.describe() + ": ranks that had not finished are counted as failed")), merged.problems(),
                    merged.failed());
        }
        return verdict.report(merged, folder, reports, out, err);
    }

    /** A new fleet's id: the date, the time and a random suffix ("20261204-101500-3f2a"). */
    static String newFleetId() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    /** How long each rank's run will take, as its scenario says ahead; null where it cannot say. */
    private static String estimate(Measuring.Prepared rankRun) {
        return estimate(rankRun.spec().scenario().type(), rankRun.spec().scenario());
    }

    private static <S extends ScenarioSpec> String estimate(ScenarioType<S, ?> type, ScenarioSpec spec) {
        return type.estimate(type.specType().cast(spec));
    }

    /** The launcher every node runs: --launcher, the launcher that started this JVM, or java and this jar. */
    private List<String> launcher() {
        String chosen = launcher != null ? launcher : System.getenv("TOKENMETER_LAUNCHER");
        if (chosen != null && !chosen.isBlank()) {
            return List.of(chosen.trim().split("\\s+"));
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(jar)) {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                return List.of(java, "--add-modules", "jdk.incubator.vector", "-jar", jar.toString());
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // Fall through to the message.
        }
        throw new ParameterException(command.commandLine(), "cannot tell how the nodes start tokenmeter: give"
                + " --launcher (the path of the tokenmeter launcher every node sees)");
    }

    /** "90s", "30m", "24h", "2d" or plain seconds as a duration above zero. */
    static Duration duration(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = t.endsWith("s") ? 1 : t.endsWith("m") ? 60 : t.endsWith("h") ? 3600 : t.endsWith("d") ? 86400 : 0;
        String number = unit == 0 ? t : t.substring(0, t.length() - 1);
        double v;
        try {
            v = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + " must be a duration above zero such as 90s, 30m or 24h, got '"
                    + text + "'");
        }
        return Duration.ofMillis((long) (v * (unit == 0 ? 1 : unit) * 1000));
    }
}
