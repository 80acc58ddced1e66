package dev.tokenmeter.cli;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.endpoint.EndpointException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The {@code tokenmeter} command. Exit codes: 0 success, 1 a run that failed or output that could not be written, 2 a
 * usage error (bad options or values, a destination that cannot be written), 3 a significant regression beyond
 * {@code compare --fail-on-regression}'s threshold, or a candidate missing points that gate needs. Errors are one
 * line on stderr; the stack trace only with {@code --verbose} or TOKENMETER_DEBUG set.
 */
@Command(name = "tokenmeter", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Measures batched LLM inference: tokens per second, latency percentiles, roofline"
                + " utilization and cost.",
        subcommands = {RunCommand.class, GenerateCommand.class, ModelsCommand.class, DevicesCommand.class,
                VerifyCommand.class, PlanCommand.class, ServeCommand.class, ServerCommand.class,
                CompareCommand.class, ReportCommand.class, FleetCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_REGRESSION = 3;
    static final String DEBUG_ENV = "TOKENMETER_DEBUG";

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print stack traces of errors (also: environment variable " + DEBUG_ENV + ").")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is needed: run, serve, server, fleet, compare,"
                + " report, plan, generate, models, devices or verify");
    }

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        cl.setOut(StandardOutput.open());
        System.exit(cl.execute(args));
    }

    /**
     * The command line with tokenmeter's error handling and exit codes; what {@link #main} runs. Whatever a command
     * returns, output it could not write (a full disk, {@code /dev/full}, a closed pipe) makes it fail.
     */
    public static CommandLine commandLine() {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(ex, cmd.getErr(), main.debug()));
        cl.setExecutionStrategy(parsed -> {
            int code = new CommandLine.RunLast().execute(parsed);
            return checkedOutput(parsed.commandSpec().commandLine(), code);
        });
        return cl;
    }

    /**
     * {@code code}, unless stdout could not be written: then an error on stderr, and exit code 1 where the command
     * had succeeded (a failure or a regression it found keeps its own code).
     */
    static int checkedOutput(CommandLine cmd, int code) {
        PrintWriter out = cmd.getOut();
        if (!out.checkError()) {
            return code;
        }
        IOException why = out instanceof StandardOutput s ? s.failure() : null;
        PrintWriter err = cmd.getErr();
        err.println("tokenmeter: error: could not write to standard output" + (why == null ? ""
                : ": " + (why.getMessage() == null ? why.getClass().getName() : why.getMessage()))
                + "; what it should hold is incomplete or missing");
        err.flush();
        return code == EXIT_OK ? EXIT_FAILED : code;
    }

    private boolean debug() {
        String env = System.getenv(DEBUG_ENV);
        return verbose || (env != null && !env.isBlank() && !env.equals("0") && !env.equalsIgnoreCase("false"));
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage() == null ? "" : ex.getMessage();
        // picocli starts some of its own messages with "Error: "; this line already says so.
        err.println("tokenmeter: error: " + (message.startsWith("Error: ") ? message.substring(7) : message));
        if (cmd.getCommandSpec().userObject() instanceof Main && args.length == 0) {
            cmd.usage(err);
        } else {
            UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        }
        err.flush();
        return EXIT_USAGE;
    }

    /**
     * An exception out of a command: a validation error (IllegalArgumentException) is a usage error; anything
     * else means the run failed. A TokenmeterException's message says all; other exceptions are unexpected,
     * so their type is named too.
     */
    static int failure(Exception ex, PrintWriter err, boolean debug) {
        boolean usage = ex instanceof IllegalArgumentException || ex instanceof EndpointException e && e.usage();
        String message = ex.getMessage() == null ? "" : ex.getMessage();
        if (usage || ex instanceof TokenmeterException) {
            err.println("tokenmeter: error: " + message);
        } else {
            err.println("tokenmeter: error: " + ex.getClass().getName() + (message.isEmpty() ? "" : ": " + message));
        }
        if (debug) {
            ex.printStackTrace(err);
        } else if (!usage && !(ex instanceof TokenmeterException)) {
            err.println("(run with --verbose or " + DEBUG_ENV + "=1 for the stack trace)");
        }
        err.flush();
        return usage ? EXIT_USAGE : EXIT_FAILED;
    }

    /** The build's version and commit, from the stamp core's build writes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/dev/tokenmeter/build.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // No stamp: "unknown" below says so.
            }
            return new String[] {"tokenmeter " + p.getProperty("version", "unknown") + " (commit "
                    + p.getProperty("commit", "unknown") + ")",
                    "Java " + System.getProperty("java.runtime.version") + ", " + System.getProperty("java.vm.name")};
        }
    }
}
