package dev.tokenmeter.cli;

import dev.tokenmeter.fleet.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * What every rank of a fleet is told besides what it measures: whether to verify its GPU first, whether to start
 * measuring together with the others, and the faults injected on purpose. {@code fleet rank} reads them;
 * {@code fleet submit} and {@code fleet kubernetes} check them and pass them on to every rank.
 */
final class RankOptions {
    @Option(names = "--no-verify", description = "Do not check each GPU against the CPU reference first.")
    boolean noVerify;

    @Option(names = "--inject-fault", paramLabel = "RANK=FAULT",
            description = "Test the fleet's checks: make rank RANK slow (slow:3, every step three times as long),"
                    + " compute wrong answers (wrong-answers) or fail (crash). Repeatable; other ranks ignore it.")
    List<String> faults = new ArrayList<>();

    @Option(names = "--start-together", paramLabel = "LIMIT", arity = "0..1", fallbackValue = "10m",
            description = "Ranks start measuring together: each, once its checks are done, waits until every rank"
                    + " is ready, for LIMIT at most (90s, 10m; 10m where none is given), so that the fleet is"
                    + " measured in one window of time (all GPUs loaded at once). Off by default.")
    String startTogether;

    /** How long a rank waits for the others before it measures; null where ranks start on their own. */
    Duration together(CommandLine cl) {
        if (startTogether == null) {
            return null;
        }
        try {
            return FleetSubmitCommand.duration("--start-together", startTogether);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }

    /** These options as {@code fleet rank}'s arguments, each fault checked first. */
    List<String> arguments(CommandLine cl) {
        faultFor(-1, cl);
        together(cl);
        List<String> out = new ArrayList<>();
        if (noVerify) {
            out.add("--no-verify");
        }
        if (startTogether != null) {
            out.add("--start-together=" + startTogether);
        }
        for (String f : faults) {
            out.addAll(List.of("--inject-fault", f));
        }
        return out;
    }

    /** The fault injected into rank {@code rank}, or null; every fault given is checked. */
    Fault faultFor(int rank, CommandLine cl) {
        Fault mine = null;
        for (String f : faults) {
            int eq = f.indexOf('=');
            int target;
            try {
                target = Integer.parseInt(f.substring(0, Math.max(0, eq)).trim());
            } catch (NumberFormatException e) {
                throw new ParameterException(cl, "--inject-fault takes RANK=FAULT (2=slow:3, 1=wrong-answers,"
                        + " 3=crash), got '" + f + "'");
            }
            Fault parsed;
            try {
                parsed = Fault.parse(f.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cl, "--inject-fault: " + e.getMessage());
            }
            if (target == rank) {
                mine = parsed;
            }
        }
        return mine;
    }
}
