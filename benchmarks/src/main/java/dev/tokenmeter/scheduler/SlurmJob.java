package dev.tokenmeter.scheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet's job on Slurm through Slurm's own commands ({@code sbatch}, {@code scontrol}, {@code scancel}), each with
 * a deadline: nothing here waits forever on a cluster that does not answer.
 */
public final class SlurmJob {
    /** How long one Slurm command may take before it is killed and reported. */
    static final Duration COMMAND_DEADLINE = Duration.ofSeconds(60);

    /** States after which a job does nothing more. */
    private static final Set<String> ENDED = Set.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL",
            "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED");
    /** Reasons a pending job gives when the cluster can never run it as asked. */
    private static final Set<String> NEVER = Set.of("BadConstraints", "PartitionNodeLimit", "PartitionTimeLimit",
            "PartitionConfig", "InvalidAccount", "InvalidQOS", "AccountNotAllowed", "QOSNotAllowed",
            "PartitionDown", "PartitionInactive", "DependencyNeverSatisfied");
    /** What sbatch says when the controller does not answer, as opposed to refusing the job. */
    private static final Pattern UNREACHABLE = Pattern.compile("Unable to contact slurm controller|Socket timed out"
            + "|Connection refused|Zero Bytes were transmitted", Pattern.CASE_INSENSITIVE);
    private static final Pattern FIELD = Pattern.compile("(?:^|\\s)(JobState|Reason|ExitCode)=(\\S+)");

    private final String id;

    private SlurmJob(String id) {
        this.id = id;
    }

    /** The job's id. */
    public String id() {
        return id;
    }

    /**
     * A job's state as {@code scontrol} shows it.
     *
     * @param state    PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT…; "GONE" once Slurm has forgotten it
     * @param reason   why it pends or ended ("Priority", "TimeLimit", "None")
     * @param exitCode the batch script's "code:signal"
     */
    public record State(String state, String reason, String exitCode) {
        /** Whether the job does nothing more. */
        public boolean ended() {
            return ENDED.contains(state) || state.equals("GONE");
        }

        /** Whether the job pends for a reason that no wait can end (the cluster can never run it as asked). */
        public boolean never() {
            return state.equals("PENDING") && NEVER.contains(reason);
        }

        /** "RUNNING", "PENDING (Priority)", "TIMEOUT (TimeLimit, exit 0:15)". */
        public String describe() {
            String r = reason == null || reason.equals("None") ? "" : reason;
            String e = ended() && exitCode != null && !exitCode.equals("0:0") ? "exit " + exitCode : "";
            String inner = r.isEmpty() ? e : e.isEmpty() ? r : r + ", " + e;
            return inner.isEmpty() ? state : state + " (" + inner + ")";
        }
    }

    /**
     * Submits {@code script} ({@code sbatch --parsable}).
     *
     * @throws SlurmException where there is no Slurm here, or Slurm refused the job (its reason said)
     */
    public static SlurmJob submit(Path script) {
        Output o = run(List.of("sbatch", "--parsable", script.toString()));
        if (o.code() != 0) {
            if (UNREACHABLE.matcher(o.err()).find()) {
                // Not the job's fault: the controller did not answer.
                throw new SlurmException("sbatch could not reach Slurm's controller: " + oneLine(o.err())
                        + " (scontrol ping tells whether it is up; SLURM_CONF names the cluster)", false);
            }
            throw new SlurmException("Slurm refused the job: " + refusal(o.err()), true);
        }
        String first = o.out().strip().split("\\R")[0];
        String id = first.split(";")[0].strip();
        if (!id.matches("\\d+(_\\d+)?")) {
            throw new SlurmException("sbatch --parsable printed no job id: '" + first + "'", false);
        }
        return new SlurmJob(id);
    }

    /** The job's state now; GONE once Slurm no longer knows it. */
    public State state() {
        Output o = run(List.of("scontrol", "show", "job", "-o", id));
        if (o.code() != 0) {
            if (o.err().contains("Invalid job id")) {
                return new State("GONE", "purged", null);
            }
            throw new SlurmException("scontrol show job " + id + " failed: " + oneLine(o.err()), false);
        }
        String state = null;
        String reason = null;
        String exit = null;
        Matcher m = FIELD.matcher(o.out());
        while (m.find()) {
            switch (m.group(1)) {
                case "JobState" -> state = m.group(2);
                case "Reason" -> reason = m.group(2);
                default -> exit = m.group(2);
            }
        }
        if (state == null) {
            throw new SlurmException("scontrol show job " + id + " printed no JobState: " + oneLine(o.out()), false);
        }
        // A reason can hold spaces ("ReqNodeNotAvail, UnavailableNodes:n3"): its first word is enough here.
        return new State(state.toUpperCase(Locale.ROOT), reason == null ? null : reason.replaceAll(",$", ""), exit);
    }

    /** Cancels the job ({@code scancel}); a job that has ended already is left as it is. */
    public void cancel() {
        Output o = run(List.of("scancel", id));
        if (o.code() != 0) {
            throw new SlurmException("scancel " + id + " failed: " + oneLine(o.err()), false);
        }
    }

    /** What sbatch said after "Batch job submission failed: ", or its whole message. */
    static String refusal(String err) {
        String text = oneLine(err);
        int at = text.indexOf("Batch job submission failed: ");
        if (at >= 0) {
            return text.substring(at + "Batch job submission failed: ".length());
        }
        return text.replace("sbatch: error: ", "");
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** What a command printed, and its exit code. */
    record Output(int code, String out, String err) {
    }

    /**
     * Runs a Slurm command with {@link #COMMAND_DEADLINE}.
     *
     * @throws SlurmException where the command is not installed, or did not finish within its deadline
     */
    static Output run(List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new SlurmException("no Slurm here: " + command.get(0) + " could not be run (" + e.getMessage()
                    + "); on a host without Slurm, --dry-run prints the batch script to submit elsewhere", true);
        }
        try {
            p.getOutputStream().close();
            CompletableFuture<String> out = read(p.getInputStream());
            CompletableFuture<String> err = read(p.getErrorStream());
            if (!p.waitFor(COMMAND_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SlurmException(String.join(" ", command) + " did not answer within "
                        + COMMAND_DEADLINE.toSeconds() + " s (is slurmctld up? scontrol ping)", false);
            }
            return new Output(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SlurmException("interrupted while " + command.get(0) + " ran", false);
        } catch (IOException e) {
            throw new SlurmException(command.get(0) + ": " + e.getMessage(), false);
        }
    }

    private static CompletableFuture<String> read(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
