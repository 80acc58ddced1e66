package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.fleet.FleetPoint;
import dev.tokenmeter.scenario.fleet.FleetSpec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Fleets through a real Slurm: a private cluster of four virtual nodes with a fake GPU each, started and stopped by
 * the project's own script (scripts/slurm/local-cluster.sh), and {@code tokenmeter fleet submit} in a process of its
 * own, as a user runs it, its ranks on the CPU path. Skipped, saying why, where Slurm cannot be started here (not
 * root, or Debian's slurmctld not installed: {@code .ci/run} installs it). Where {@code TOKENMETER_SLURM_TEST_DIR} is
 * set the cluster lives there, so that whoever set it can stop it by its pid files whatever happens to this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlurmFleetTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "slurm", "local-cluster.sh").toAbsolutePath()
            .normalize();
    /** The most any command here may take before the test fails with what it printed. */
    private static final long DEADLINE_SECONDS = 240;

    /** This run's folders (under target/, which every virtual node sees: they share this host). */
    private Path tmp;

    private Path cluster;
    private String slurmConf;

    @BeforeAll
    void startCluster() throws Exception {
        tmp = Files.createDirectories(Path.of("target", "slurm-fleet-test-" + System.nanoTime()).toAbsolutePath());
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "a local Slurm needs root (slurmd"
                + " runs jobs as their user, mknod makes the fake GPUs); this JVM runs as "
                + System.getProperty("user.name"));
        Assumptions.assumeTrue(onPath("slurmctld") && onPath("slurmd") && onPath("sbatch"), "Slurm is not installed"
                + " here (apt-get install slurmd slurmctld slurm-client, as .ci/run does)");
        String dir = System.getenv("TOKENMETER_SLURM_TEST_DIR");
        cluster = dir != null && !dir.isBlank() ? Path.of(dir) : Files.createTempDirectory("tokenmeter-slurm");
        Run start = run(List.of("bash", SCRIPT.toString(), "start", cluster.toString(), "--nodes", "4",
                "--gpus-per-node", "2"), null);
        Assumptions.assumeTrue(start.code() == 0, () -> "the local Slurm did not start: " + start.err());
        String line = start.out().strip();
        assertTrue(line.startsWith("export SLURM_CONF="), line);
        slurmConf = line.substring("export SLURM_CONF=".length());
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            Run stop = run(List.of("bash", SCRIPT.toString(), "stop", cluster.toString()), null);
            assertEquals(0, stop.code(), stop.err());
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool));
    }

    private record Run(int code, String out, String err) {
    }

    private Run run(List<String> command, String conf) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (conf != null) {
            pb.environment().put("SLURM_CONF", conf);
        }
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " ran past " + DEADLINE_SECONDS + " s:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** {@code tokenmeter args...} in a JVM of its own, with the cluster's SLURM_CONF; ranks start the same way. */
    private Run tokenmeter(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launcher());
        command.addAll(args);
        return run(command, slurmConf);
    }

    private static List<String> launcher() {
        String cp = System.getProperty("surefire.test.class.path");
        cp = cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", cp, Main.class.getName());
    }

    /**
     * What each rank measures here. The ranks share this host's two cores, so what one measures depends on what the
     * others are doing at the time: they start together ({@code --start-together}, in {@link #submit}) and each
     * measures one point, for six seconds after ten of warm-up (a time budget rather than a trial count), so that
     * the ranks measure side by side and share the cores evenly while they do. Without the barrier, ranks whose
     * checks ended seconds apart measured in different company, and with two seconds of warm-up, a rank's JIT had
     * not always compiled its hot loops before it measured: under a busy loop on one core, healthy ranks came out
     * from 60% slower to three times faster than their median.
     */
    private static final List<String> RANK_RUN = List.of("run", "--model", "tiny", "--backend", "cpu", "--batch",
            "2", "--prompt-len", "32", "--gen", "8", "--warmup", "1", "--warmup-time", "10", "--min-trials", "5",
            "--max-trials", "100000", "--budget", "6", "--target", "0.01%", "--threads", "1", "--progress", "none");

    private List<String> submit(Path results, String... options) {
        List<String> args = new ArrayList<>(List.of("fleet", "submit", "--nodes", "4", "--gpus-per-node", "1",
                "--results", results.toString(), "--launcher", String.join(" ", launcher()), "--wait-limit", "200s",
                "--start-together=60s"));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(RANK_RUN);
        return args;
    }

    private static String show(Run r) {
        return "exit " + r.code() + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err();
    }

    @Test
    void aFleetOfFourRanksOnFourNodesMergesCompleteWithNoStragglerAndAnswersThatAgree() throws Exception {
        // Four JVMs on two shared cores are not four identical GPUs: their medians spread up to a sixth either way on
        // a quiet host (three runs here: +-8%, +-16%, +-3%), and on a host whose other work holds a core, one rank
        // came out 34% slower than three that agreed within 4%, which the test called at a 20% minimum deficit.
        // Stragglers here are held to 50%; the default's false-alarm rate is checked on simulated fleets
        // (StragglerTestTest).
        Path results = tmp.resolve("fleet-same");
        Run r = tokenmeter(submit(results, "--fleet-id", "same", "--min-deficit", "50%"));
        assertEquals(0, r.code(), () -> show(r));
        assertContains(r.err(), "fleet same: submitted Slurm job ");
        assertContains(r.err(), "COMPLETED: ranks 4 of 4 started, 4 finished, 0 failed");
        Result fleet = ResultJson.read(results.resolve("fleet.json"));
        assertTrue(fleet.complete(), () -> fleet.warnings().toString());
        FleetSpec spec = (FleetSpec) fleet.spec().scenario();
        assertEquals("slurm", spec.scheduler());
        assertEquals(4, spec.ranks());
        List<FleetPoint> points = fleet.points(FleetPoint.class);
        assertEquals(Set.of(0, 1, 2, 3), points.stream().map(FleetPoint::rank).collect(Collectors.toSet()));
        assertEquals(Set.of("n1", "n2", "n3", "n4"), points.stream().map(FleetPoint::node)
                .collect(Collectors.toSet()), "one rank per node, named by Slurm");
        assertTrue(points.stream().allMatch(p -> p.gpu().visibleDevices() != null && p.gpu().visibleDevices()
                .matches("[01]")), "Slurm gave each rank one of its node's GPUs");
        assertTrue(points.stream().allMatch(p -> p.ok() && !p.answers().wrong() && !p.straggler().slow()),
                () -> r.out());
        RankRecord rank = RankFiles.read(results.resolve(RankFiles.name(2)));
        assertEquals(spec.job(), rank.job());
    }

    @Test
    void aSlowAWrongAndAFailingRankAreEachFoundAndTheOthersKept() throws Exception {
        // Six ranks, two per node on three nodes, and a GPU thirty times slower: the straggler test must be sure of it
        // where the GPUs' own figures spread as widely as six ranks on two shared cores make them (a quarter either
        // way on a quiet host; on one whose other work holds a core, healthy ranks from a third slower to two thirds
        // faster than their median), and call no other: held, as the identical fleet above, to a 50% deficit, which
        // the 30x rank (90% or more) clears, at a 5% family-wise rate (five GPUs: Student's t with 4 degrees of
        // freedom, whose tail is wide).
        Path results = tmp.resolve("fleet-faults");
        List<String> args = submit(results, "--fleet-id", "faults", "--min-deficit", "50%", "--alpha", "0.05",
                "--inject-fault",
                "1=slow:30", "--inject-fault", "2=wrong-answers", "--inject-fault", "3=crash");
        args.set(args.indexOf("--gpus-per-node") + 1, "2");
        args.set(args.indexOf("--nodes") + 1, "3");
        Run r = tokenmeter(args);
        assertEquals(3, r.code(), () -> show(r));
        assertContains(r.err(), "FAILED (NonZeroExitCode, exit 1:0): ranks 6 of 6 started, 5 finished, 1 failed");
        Result fleet = ResultJson.read(results.resolve("fleet.json"));
        List<FleetPoint> points = fleet.points(FleetPoint.class);
        assertEquals(Set.of(1), points.stream().filter(p -> p.straggler() != null && p.straggler().slow())
                .map(FleetPoint::rank).collect(Collectors.toSet()), () -> r.out());
        assertEquals(Set.of(2), points.stream().filter(p -> p.answers() != null && p.answers().wrong())
                .map(FleetPoint::rank).collect(Collectors.toSet()), () -> r.out());
        FleetPoint failed = points.stream().filter(p -> p.rank() == 3).findFirst().orElseThrow();
        assertFalse(failed.ok());
        assertContains(failed.failure(), "the device stopped answering (an injected crash fault)");
        assertContains(r.out(), "RANK FAILED: the device stopped answering");
        assertContains(r.out(), "WRONG ANSWERS, a possible silent data corruption");
        assertContains(r.out(), "STRAGGLER (rank 1)");
        assertTrue(points.stream().filter(p -> p.rank() == 0).allMatch(FleetPoint::measured));
        // Two ranks a node, each bound by Slurm to a GPU of its own.
        for (String node : List.of("n1", "n2", "n3")) {
            assertEquals(Set.of("0", "1"), points.stream().filter(p -> p.node().equals(node))
                    .map(p -> p.gpu().visibleDevices()).collect(Collectors.toSet()), node);
        }
    }

    @Test
    void slurmRefusalsAreOneLineAndAFolderInUseIsNeverOverwritten() throws Exception {
        Run partition = tokenmeter(submit(tmp.resolve("p"), "--partition", "nosuchpart"));
        assertEquals(2, partition.code(), () -> show(partition));
        assertContains(partition.err(), "Slurm refused the job: Invalid partition name specified");
        List<String> five = submit(tmp.resolve("n"));
        five.set(five.indexOf("--nodes") + 1, "5");
        Run tooMany = tokenmeter(five);
        assertEquals(2, tooMany.code(), () -> show(tooMany));
        assertContains(tooMany.err(), "Slurm refused the job: Node count specification invalid");
        Path used = Files.createDirectories(tmp.resolve("used"));
        Files.writeString(used.resolve(RankFiles.name(0)), "{}");
        Run refused = tokenmeter(submit(used));
        assertEquals(2, refused.code(), () -> show(refused));
        assertContains(refused.err(), "already holds rank files");
        assertEquals("{}", Files.readString(used.resolve(RankFiles.name(0))));
    }

    @Test
    void aCancelledJobEndsTheFollowAndEachRankSaysItWasStopped() throws Exception {
        Path results = tmp.resolve("fleet-cancel");
        List<String> args = submit(results, "--fleet-id", "cancel");
        // Ranks that warm up for a minute: long enough to be cancelled while they run.
        args.set(args.indexOf("--warmup-time") + 1, "60");
        List<String> command = new ArrayList<>(launcher());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SLURM_CONF", slurmConf);
        Path err = tmp.resolve("cancel-err.txt");
        Process submit = pb.redirectOutput(tmp.resolve("cancel-out.txt").toFile()).redirectError(err.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            while (!Files.readString(err).contains("ranks 4 of 4 started")) {
                assertTrue(submit.isAlive() && System.nanoTime() < deadline, () -> "the ranks never all started: "
                        + read(err));
                Thread.sleep(200);
            }
            Run cancel = run(List.of("scancel", "--name", "tokenmeter-cancel"), slurmConf);
            assertEquals(0, cancel.code(), cancel.err());
            assertTrue(submit.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS), () -> "submit did not end: " + read(err));
        } finally {
            submit.destroyForcibly();
        }
        String said = read(err);
        assertEquals(1, submit.exitValue(), said);
        assertContains(said, "ended CANCELLED");
        assertContains(said, "no rank measured anything; rank 0: stopped by a signal before it finished");
        for (int r = 0; r < 4; r++) {
            RankRecord rank = RankFiles.read(results.resolve(RankFiles.name(r)));
            assertEquals(RankRecord.State.FAILED, rank.state(), rank.failure());
        }
    }

    @Test
    void aJobPastItsTimeLimitEndsTheFollowAndEachRankSaysItWasStopped() throws Exception {
        // A one-minute limit (Slurm's smallest) on two ranks that warm up for ten: slurmctld ends the job within about
        // half a minute of its limit, with a TERM to each rank and KillWait (5 s here) to write why it stopped. Warm-up
        // stops at 10000 trials, which the tiny model's take 15 s to reach: a slow fault, which waits rather than
        // computes, makes each trial 100 times longer and keeps the two cores free.
        Path results = tmp.resolve("fleet-timeout");
        List<String> args = submit(results, "--fleet-id", "timeout", "--time", "1", "--inject-fault", "0=slow:100",
                "--inject-fault", "1=slow:100");
        args.set(args.indexOf("--nodes") + 1, "2");
        args.set(args.indexOf("--warmup-time") + 1, "600");
        Run r = tokenmeter(args);
        assertEquals(1, r.code(), () -> show(r));
        assertContains(r.err(), "ended TIMEOUT");
        assertContains(r.err(), "no rank measured anything; rank 0: stopped by a signal before it finished");
        for (int k = 0; k < 2; k++) {
            RankRecord rank = RankFiles.read(results.resolve(RankFiles.name(k)));
            assertEquals(RankRecord.State.FAILED, rank.state(), rank.failure());
            assertContains(rank.failure(), "stopped by a signal");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
