package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.fleet.FleetPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's commands without a scheduler: ranks run here one after another, as a batch script would start them
 * on each GPU, then merged. The same commands through a real Slurm are {@code SlurmFleetTest}'s.
 */
class FleetCommandTest {
    /**
     * What each rank measures: two points of the tiny model, eight trials each after a second of warm-up (the ranks
     * share this JVM, whose JIT the first one warms; each still warms up as a rank of its own would).
     */
    static final List<String> RANK_RUN = List.of("run", "--model", "tiny", "--backend", "cpu", "--batch", "1,4",
            "--prompt-len", "32", "--gen", "8", "--warmup", "1", "--warmup-time", "1", "--min-trials", "8",
            "--max-trials", "8", "--budget", "0", "--threads", "1", "--progress", "none");

    @TempDir
    Path dir;

    private CliRun rank(int code, int rank, int ranks, String node, String... extra) {
        return rank(dir, code, rank, ranks, node, extra);
    }

    private CliRun rank(Path results, int code, int rank, int ranks, String node, String... extra) {
        List<String> args = new ArrayList<>(List.of("fleet", "rank", "--results", results.toString(), "--fleet-id",
                "t1", "--rank", Integer.toString(rank), "--ranks", Integer.toString(ranks), "--node", node));
        args.addAll(List.of(extra));
        args.add("--");
        args.addAll(RANK_RUN);
        return expect(code, args.toArray(String[]::new));
    }

    @Test
    void ranksWriteTheirFilesAndTheMergeFindsTheSlowAndTheWrongRanks() throws IOException {
        for (int r = 0; r < 5; r++) {
            rank(0, r, 5, "n" + (r + 1), "--inject-fault", "1=slow:10", "--inject-fault", "3=wrong-answers");
        }
        RankRecord one = RankFiles.read(dir.resolve(RankFiles.name(1)));
        assertEquals(RankRecord.State.FINISHED, one.state());
        assertEquals("slow:10", one.fault());
        assertEquals("skipped", one.verify().status());
        assertTrue(one.answer().deterministic());
        assertNull(RankFiles.read(dir.resolve(RankFiles.name(0))).fault());

        // Ranks run one after another in this one JVM, whose JIT or collector can slow one rank's point by a quarter
        // (seen on a 2-core host): stragglers here are held to a 30% deficit. A 3x rank (z -55 to -90 on a quiet
        // host) was once missed on a busy CI host, whose trials of a millisecond or two spread so widely that five
        // ranks could not be sure of it; the 10x rank is as sure as the Slurm test's.
        CliRun merged = expect(3, "fleet", "merge", dir.toString(), "--min-deficit", "30%");
        assertContains(merged.out(), "rank  node  GPU  point");
        assertContains(merged.out(), "FLEET: 5 of 5 GPUs measured");
        assertContains(merged.err(), "fleet: merged 5 ranks into " + dir.resolve("fleet.json") + ": 0 failed,"
                + " 1 straggler, 1 with wrong answers");
        Result r = ResultJson.read(dir.resolve("fleet.json"));
        List<FleetPoint> points = r.points(FleetPoint.class);
        Set<Integer> slow = points.stream().filter(p -> p.straggler() != null && p.straggler().slow())
                .map(FleetPoint::rank).collect(Collectors.toSet());
        Set<Integer> wrong = points.stream().filter(p -> p.answers().wrong()).map(FleetPoint::rank)
                .collect(Collectors.toSet());
        assertEquals(Set.of(1), slow, () -> merged.out());
        assertEquals(Set.of(3), wrong, () -> merged.out());
        assertTrue(points.stream().filter(p -> p.rank() == 1).allMatch(p -> p.straggler().deficit() > 0.4),
                () -> merged.out());
        assertEquals(Set.of("n1", "n2", "n3", "n4", "n5"), points.stream().map(FleetPoint::node)
                .collect(Collectors.toSet()));
    }

    @Test
    void aFleetOfIdenticalRanksPassesItsAcceptance() {
        // The results folder does not exist yet (as under a Kubernetes claim): the first rank makes it.
        Path results = dir.resolve("claim").resolve("k1");
        for (int r = 0; r < 4; r++) {
            rank(results, 0, r, 4, "n" + (r / 2 + 1));
        }
        // As above: sequential ranks in one JVM are held to a 30% deficit (the simulations and the Slurm test hold
        // identical fleets to the default 5%).
        CliRun merged = expect(0, "fleet", "merge", results.toString(), "--format", "markdown", "--min-deficit",
                "30%");
        assertContains(merged.out(), "FLEET: 4 of 4 GPUs measured");
        assertContains(merged.err(), ": 0 failed, 0 stragglers, 0 with wrong answers");
    }

    @Test
    void ranksThatStartTogetherWaitForEachOtherUpToTheirLimit() {
        // Ranks run one after another here: the first waits its whole limit for the second and then measures
        // without it, saying so; the second finds the first's marker and goes at once.
        Path results = dir.resolve("together");
        CliRun first = rank(results, 0, 0, 2, "n1", "--start-together=1s");
        assertContains(first.err(), "fleet rank 0: 1 of 2 ranks ready to measure");
        assertContains(first.err(), "fleet rank 0: only 1 of 2 ranks ready after ");
        assertContains(first.err(), " (--start-together's limit): measuring without the rest");
        CliRun second = rank(results, 0, 1, 2, "n2", "--start-together=1s");
        assertContains(second.err(), "fleet rank 1: every rank ready after 0 s: measuring");
        assertContains(expect(2, "fleet", "rank", "--results", dir.toString(), "--fleet-id", "x", "--rank", "0",
                "--start-together", "--", "run").err(), "--start-together needs the fleet's size");
        assertContains(expect(2, "fleet", "submit", "--dry-run", "--launcher", "x", "--start-together=soon", "--",
                "run").err(), "--start-together must be a duration above zero");
        assertContains(expect(0, "fleet", "submit", "--dry-run", "--launcher", "x", "--start-together", "--", "run")
                .out(), "x fleet rank --results ");
    }

    @Test
    void aRankThatFailsSaysWhyInItsFileAndTheMergeNamesIt() throws IOException {
        rank(0, 0, 3, "n1");
        rank(0, 1, 3, "n2");
        // Rank 2 asks for a backend this host does not have: it fails, and its file says why.
        List<String> args = new ArrayList<>(List.of("fleet", "rank", "--results", dir.toString(), "--fleet-id", "t1",
                "--rank", "2", "--ranks", "3", "--node", "n3", "--"));
        args.addAll(RANK_RUN);
        args.set(args.indexOf("cpu"), "cuda");
        CliRun failed = expect(1, args.toArray(String[]::new));
        assertContains(failed.err(), "fleet rank 2: failed: ");
        RankRecord two = RankFiles.read(dir.resolve(RankFiles.name(2)));
        assertEquals(RankRecord.State.FAILED, two.state());
        assertFalse(two.failure().isBlank());
        CliRun merged = expect(3, "fleet", "merge", dir.toString());
        assertContains(merged.out(), "RANK FAILED: " + two.failure());
        assertContains(merged.err(), ": 1 failed,");
    }

    @Test
    void badInputIsOneLineAndNothingHangs() throws IOException {
        assertContains(expect(2, "fleet").err(), "a fleet command is needed: submit, rank, merge or kubernetes");
        assertContains(expect(2, "fleet", "rank", "--results", dir.toString(), "--fleet-id", "x", "--", "run")
                .err(), "no rank: give --rank, or run under Slurm (SLURM_PROCID) or with TOKENMETER_RANK set");
        assertContains(expect(2, "fleet", "rank", "--results", dir.toString(), "--fleet-id", "x", "--rank", "0",
                "--", "generate").err(), "each rank runs 'run' or 'serve' (after --), not 'generate'");
        assertContains(expect(2, "fleet", "rank", "--results", dir.toString(), "--fleet-id", "x", "--rank", "0",
                "--", "run", "--batch", "0").err(), "--batch");
        // A refused option is the rank's failure too, said in its file.
        assertEquals(RankRecord.State.FAILED, RankFiles.read(dir.resolve(RankFiles.name(0))).state());
        assertContains(expect(2, "fleet", "rank", "--results", dir.toString(), "--fleet-id", "x", "--rank", "0",
                "--inject-fault", "zero", "--", "run").err(), "--inject-fault takes RANK=FAULT");
        assertContains(expect(1, "fleet", "merge", dir.resolve("nowhere").toString()).err(), "no such folder");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertContains(expect(1, "fleet", "merge", empty.toString()).err(), "no rank file (rank-NNNNN.json) in it");
        assertContains(expect(2, "fleet", "merge", dir.toString(), "--min-deficit", "120%").err(),
                "--min-deficit must be in [0%, 100%)");
    }

    @Test
    void submitDryRunPrintsTheBatchScriptAndWritesNothing() {
        Path results = dir.resolve("fleet-a");
        CliRun r = expect(0, "fleet", "submit", "--dry-run", "--nodes", "16", "--gpus-per-node", "8", "--partition",
                "h200", "--account", "acme", "--time", "1:00:00", "--sbatch-option=--exclusive", "--fleet-id", "a",
                "--results", results.toString(), "--launcher", "/opt/tokenmeter/bin/tokenmeter", "--",
                "run", "--model", "llama-3.1-8b", "--batch", "1,64", "--prompt-len", "128");
        String script = r.out();
        for (String line : List.of("#!/bin/bash", "#SBATCH --job-name=tokenmeter-a", "#SBATCH --nodes=16",
                "#SBATCH --ntasks-per-node=8", "#SBATCH --gpus-per-node=8", "#SBATCH --partition=h200",
                "#SBATCH --account=acme", "#SBATCH --time=1:00:00", "#SBATCH --exclusive",
                "#SBATCH --output=" + results.resolve("logs").resolve("job-%j.out"))) {
            assertTrue(script.lines().anyMatch(line::equals), () -> "no line '" + line + "' in:\n" + script);
        }
        assertContains(script, "srun --kill-on-bad-exit=0 --ntasks-per-node=8 --gpus-per-task=1 --output="
                + results.resolve("logs").resolve("rank-%t.out") + " \\\n    /opt/tokenmeter/bin/tokenmeter fleet rank"
                + " --results " + results + " --fleet-id a -- run --model llama-3.1-8b --batch 1,64 --prompt-len 128");
        assertFalse(Files.exists(results), "a dry run writes nothing");
        // The ranks' options are checked before anything is submitted.
        assertContains(expect(2, "fleet", "submit", "--dry-run", "--", "run", "--batch", "0").err(), "--batch");
        assertContains(expect(2, "fleet", "submit", "--dry-run", "--nodes", "0", "--launcher", "x", "--", "run")
                .err(), "--nodes must be >= 1");
    }

    @Test
    void kubernetesPrintsAnIndexedJobForTheRanksAndChecksTheirOptionsFirst() throws IOException {
        CliRun r = expect(0, "fleet", "kubernetes", "--image", "registry.example/tokenmeter:1", "--claim", "results",
                "--nodes", "3", "--gpus-per-node", "8", "--fleet-id", "k1", "--time", "2h", "--", "run", "--model",
                "llama-3.1-8b", "--batch", "1,64");
        assertContains(r.out(), "completionMode: Indexed");
        assertContains(r.out(), "name: \"tokenmeter-k1\"");
        assertContains(r.out(), "\"nvidia.com/gpu\": 8");
        assertContains(r.out(), "fleet rank --results /results/k1 --fleet-id k1 --ranks 24 -- run --model"
                + " llama-3.1-8b");
        assertContains(r.out(), "activeDeadlineSeconds: 7200");
        Path file = dir.resolve("job.yaml");
        CliRun toFile = expect(0, "fleet", "kubernetes", "--image", "i", "--claim", "c", "--fleet-id", "k2",
                "--output", file.toString(), "--", "run");
        assertContains(toFile.err(), "wrote the Job manifest for fleet k2 (1 ranks)");
        assertContains(Files.readString(file), "completions: 1");
        assertContains(expect(2, "fleet", "kubernetes", "--image", "i", "--claim", "c", "--nodes", "0", "--",
                "run").err(), "--nodes");
        assertContains(expect(2, "fleet", "kubernetes", "--image", "i", "--claim", "c", "--", "run", "--gen", "0")
                .err(), "--gen");
    }
}
