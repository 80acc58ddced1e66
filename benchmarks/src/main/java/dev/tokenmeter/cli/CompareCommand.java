package dev.tokenmeter.cli;

import dev.tokenmeter.compare.Comparer;
import dev.tokenmeter.compare.Comparison;
import dev.tokenmeter.compare.ComparisonReport;
import dev.tokenmeter.compare.IncompatibleResultsException;
import dev.tokenmeter.compare.RegressionGate;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter compare}: a candidate result against a baseline, and optionally a gate that CI fails on, through
 * the one {@link Comparer}: two offline results are compared on their trials, with tests; two serving results point by
 * point, without tests, since each serving point is one run; a serving result and an offline one are refused. Exit
 * codes: 0 compared (and the gate, if any, passed), 3 the gate failed (a regression, or a candidate missing points:
 * incomplete, or without some of the baseline's), 2 usage error (a file missing, malformed or of a newer schema, or
 * results not measured alike), 1 anything else.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false,
        description = {"Compares two results of 'tokenmeter run --json': for each point both have and each metric"
                + " (output tok/s, TTFT, TPOT, E2E, decode step), the change of the mean with its 95%% confidence"
                + " interval, Welch's t and Mann-Whitney U tests on the trials, and a verdict.",
                "Or two results of 'tokenmeter serve --json': for each point both have (matched by its label:"
                        + " rate 2.00, concurrency 8, trace t.jsonl, search 2.00), the SLO and load verdicts of both"
                        + " sides, and the relative change of req/s, output tok/s, TTFT p50 and p99, TPOT p50 and"
                        + " p99, ITL p99, E2E p99 and goodput. Each serving point is a single run, so these changes"
                        + " are NOT tested for significance: two identical runs can differ by about 10%%; repeat"
                        + " both runs to confirm a change of that size.",
                "Results of different models, backends or devices are refused unless --force; so are serving"
                        + " results of different workloads or schedulers (lengths, --requests, arrivals, --seed,"
                        + " --slo, --max-seqs, --max-batch-tokens, KV cache). A serving result is never compared"
                        + " with an offline one.",
                "Exit codes: 0 compared, no failing regression; 3 --fail-on-regression tripped (a regression, or a"
                        + " candidate missing points); 2 usage error (bad file or option, results not alike);"
                        + " 1 other failure."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:compared; with --fail-on-regression, no significant regression beyond the threshold"
                + " (serving: no verdict got worse)",
                "3:--fail-on-regression: a significant regression beyond the threshold (serving: a point stopped"
                        + " meeting its SLOs or became OVERLOADED), or missing points: CANDIDATE is incomplete or"
                        + " lacks points BASELINE has (a MISSING line says which)",
                "2:usage error: a missing, malformed or newer-schema file, results not measured alike, a bad option",
                "1:any other failure"})
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "BASELINE",
            description = "The reference result (JSON from 'run --json' or 'serve --json').")
    Path baseline;

    @Parameters(index = "1", paramLabel = "CANDIDATE", description = "The result to judge against it.")
    Path candidate;

    @Option(names = "--fail-on-regression", paramLabel = "THRESHOLD",
            description = {"Exit with code 3 when some metric is a significant regression worse than THRESHOLD:"
                    + " 3%%, 0.03 and 3 all mean 3%% (a number without %% is a fraction below 1, a percentage"
                    + " from 1 up).",
                "Serving results: only a verdict that got worse fails the gate, a point that passed in BASELINE"
                        + " (SLOs met, not overloaded) and fails in CANDIDATE, or that became OVERLOADED. Their"
                        + " metric changes are single runs, reported but never tested, so they never fail it and"
                        + " THRESHOLD does not apply (a point within noise of an SLO limit can still flip between"
                        + " two identical runs).",
                "Either way the gate never passes on missing points: an incomplete CANDIDATE (a run that"
                        + " stopped early), or one lacking points BASELINE has, fails it with a MISSING line."})
    String failOnRegression;

    @Option(names = "--alpha", defaultValue = "0.05", paramLabel = "P",
            description = "Significance level, after Holm's adjustment over every metric compared (offline"
                    + " results; serving results are not tested). Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--force", description = "Compare results of different models, backends or devices (or"
            + " serving workloads) anyway; the differences are printed as warnings.")
    boolean force;

    @Option(names = "--markdown", paramLabel = "FILE",
            description = "Also write the comparison as Markdown (for example to $GITHUB_STEP_SUMMARY); - puts it on"
                    + " stdout instead of the console comparison.")
    Path markdown;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        // Every option is checked before a file is read.
        RegressionGate gate = failOnRegression == null ? null : gate(failOnRegression);
        Comparer comparer = comparer();
        Destination md = markdown == null ? null : Destination.of("--markdown", markdown)
                .writing(OutputFormat.MARKDOWN);
        if (md != null && (md.sameAs(Destination.of("BASELINE", baseline))
                || md.sameAs(Destination.of("CANDIDATE", candidate)))) {
            throw new IllegalArgumentException("--markdown " + markdown + " names a result being compared; it would"
                    + " be overwritten");
        }
        if (md != null) {
            md.prepare(command.commandLine().getErr());
        }
        Result a = ResultJson.read(baseline);
        Result b = ResultJson.read(candidate);
        Comparison c;
        try {
            c = comparer.compare(baseline.toString(), a, candidate.toString(), b);
        } catch (IncompatibleResultsException e) {
            throw new IllegalArgumentException(e.getMessage() + "; --force compares them anyway", e);
        }
        List<String> gateLines = gate == null ? List.of() : ComparisonReport.gateLines(c, gate);
        String markdownText = md == null ? null : markdown(c, gateLines);
        if (md != null && md.stdout()) {
            // The Markdown, gate lines included, is what stdout holds.
            out.print(markdownText);
        } else {
            out.print(ComparisonReport.console(c));
            if (md != null) {
                AtomicFiles.writeString(md.file(), markdownText);
            }
            if (gate != null) {
                out.println();
                for (String line : gateLines) {
                    out.println(line);
                }
            }
        }
        out.flush();
        return gate == null || gate.passes(c) ? Main.EXIT_OK : Main.EXIT_REGRESSION;
    }

    private static String markdown(Comparison c, List<String> gateLines) {
        StringBuilder md = new StringBuilder(ComparisonReport.markdown(c));
        if (!gateLines.isEmpty()) {
            md.append('\n');
            for (String line : gateLines) {
                md.append(failing(line) ? "**" + line + "**" : line).append("  \n");
            }
        }
        return md.toString();
    }

    /** A gate line that fails it: a regression, or something the candidate is missing. */
    private static boolean failing(String line) {
        return line.startsWith("REGRESSION") || line.startsWith("MISSING");
    }

    private static RegressionGate gate(String text) {
        try {
            return RegressionGate.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--fail-on-regression: " + e.getMessage(), e);
        }
    }

    private Comparer comparer() {
        try {
            return new Comparer(alpha, force);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--alpha: " + e.getMessage(), e);
        }
    }
}
