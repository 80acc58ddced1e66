package dev.tokenmeter.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Slurm's side without a cluster: what its messages and states mean here, and the batch script's checks. */
class SlurmJobTest {
    @Test
    void noSlurmOnTheHostIsOneLineThatSaysWhatToDoInstead() {
        SlurmException e = assertThrows(SlurmException.class, () -> SlurmJob.run(List.of(
                "tokenmeter-test-no-such-sbatch", "--parsable")));
        assertTrue(e.getMessage().startsWith("no Slurm here: tokenmeter-test-no-such-sbatch could not be run"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("--dry-run prints the batch script to submit elsewhere"));
        assertTrue(e.refused());
    }

    @Test
    void sbatchRefusalsAreCutToTheirReason() {
        assertEquals("Invalid partition name specified", SlurmJob.refusal("sbatch: error: invalid partition"
                + " specified: nosuchpart\nsbatch: error: Batch job submission failed: Invalid partition name"
                + " specified\n"));
        assertEquals("Invalid --time specification", SlurmJob.refusal("sbatch: error: Invalid --time"
                + " specification\n"));
    }

    @Test
    void statesSayWhetherTheJobEndedOrCanNeverRun() {
        assertFalse(new SlurmJob.State("RUNNING", "None", "0:0").ended());
        assertEquals("RUNNING", new SlurmJob.State("RUNNING", "None", "0:0").describe());
        assertEquals("PENDING (Priority)", new SlurmJob.State("PENDING", "Priority", "0:0").describe());
        assertTrue(new SlurmJob.State("TIMEOUT", "TimeLimit", "0:15").ended());
        assertEquals("TIMEOUT (TimeLimit, exit 0:15)", new SlurmJob.State("TIMEOUT", "TimeLimit", "0:15")
                .describe());
        assertTrue(new SlurmJob.State("GONE", "purged", null).ended());
        assertTrue(new SlurmJob.State("PENDING", "PartitionNodeLimit", "0:0").never());
        assertFalse(new SlurmJob.State("PENDING", "Resources", "0:0").never());
    }

    @Test
    void theBatchScriptRefusesWhatSlurmCouldNotReadOrRun() {
        List<String> run = List.of("run");
        List<String> launcher = List.of("/opt/tokenmeter/bin/tokenmeter");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SlurmScript("f", Path.of("relative"), 1,
                1, null, null, null, null, List.of(), launcher, List.of(), run)).getMessage()
                .startsWith("the results folder must be an absolute path"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SlurmScript("f", Path.of("/a b"), 1, 1,
                null, null, null, null, List.of(), launcher, List.of(), run)).getMessage()
                .contains("may hold no space"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SlurmScript("f", Path.of("/r"), 1, 1,
                null, null, null, null, List.of("exclusive"), launcher, List.of(), run)).getMessage()
                .startsWith("--sbatch-option takes one sbatch option"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SlurmScript("f", Path.of("/r"), 1, 1,
                null, null, null, null, List.of(), launcher, List.of(), List.of("generate"))).getMessage()
                .startsWith("each rank runs 'run' or 'serve'"));
        SlurmScript cpu = new SlurmScript("f", Path.of("/r"), 3, 0, null, null, null, null, List.of(), launcher,
                List.of(), run);
        assertEquals(3, cpu.ranks());
        assertFalse(cpu.text().contains("gpus"), "a CPU fleet asks Slurm for no GPU");
    }
}
