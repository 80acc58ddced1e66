package dev.tokenmeter.cli;

import java.util.List;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

/**
 * What each rank of a fleet measures: {@code run} or {@code serve} and their options, as given after {@code --}.
 * Parsed by those commands themselves, so that a rank takes exactly the options they take, checked the same way.
 */
final class RankRun {
    private RankRun() {
    }

    /**
     * The command {@code args} name, parsed, with {@code outer}'s output streams.
     *
     * @throws ParameterException on {@code outer} for no command, another command, or options that command refuses
     */
    static Measuring parse(List<String> args, CommandLine outer) {
        if (args == null || args.isEmpty()) {
            throw new ParameterException(outer, "what each rank measures is missing: add -- run [options] or -- serve"
                    + " [options]");
        }
        Measuring command = switch (args.get(0)) {
            case "run" -> new RunCommand();
            case "serve" -> new ServeCommand();
            default -> throw new ParameterException(outer, "each rank runs 'run' or 'serve' (after --), not '"
                    + args.get(0) + "'");
        };
        CommandLine cl = new CommandLine(command);
        cl.setOut(outer.getOut());
        cl.setErr(outer.getErr());
        try {
            cl.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        } catch (ParameterException e) {
            throw new ParameterException(outer, args.get(0) + ": " + e.getMessage(), e, null, null);
        }
        return command;
    }
}
