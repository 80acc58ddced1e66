package dev.tokenmeter.cli;

import dev.tokenmeter.cost.Price;
import dev.tokenmeter.plan.CapacityPlan;
import dev.tokenmeter.plan.Constraints;
import dev.tokenmeter.plan.PlanInputs;
import dev.tokenmeter.plan.PlanRenderer;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter plan}: GPUs needed for a request rate within latency limits, and their cost, from a result
 * of {@code run --json} (offline) or {@code serve --json} (serving), with projections to other GPUs. Exit codes:
 * 0 planned, 1 no measured point meets the constraints (or none is usable), 2 usage error. Limits come as SLOs
 * ({@code --slo ttft=2s,tpot=100ms}, the serving syntax, at p99) or as {@code --max-ttft} and {@code --max-tpot}
 * in milliseconds.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Capacity planning from a result of 'tokenmeter run --json' or 'tokenmeter serve --json': the"
                + " operating point (of an offline result, the measured batch size of largest throughput whose TTFT"
                + " p99 and TPOT p99 meet the limits; of a serving result, the highest measured load that meets them"
                + " and was sustained), the GPUs needed for --rate at --utilization, expected utilization, and cost"
                + " per month, per query and per million tokens; then the same PROJECTED to other GPUs (H100, H200,"
                + " B200, GB200, Rubin) by scaling prefill time with dense bf16 FLOP/s and decode time with memory"
                + " bandwidth.",
                "Exit codes: 0 planned; 1 no measured point meets the limits; 2 usage error."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:planned", "1:no measured point meets the constraints (the closest is shown)",
                "2:usage error: a missing or malformed result file, a bad option"})
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--result", required = true, paramLabel = "RESULT.json",
            description = "The measured result to plan from (JSON from 'tokenmeter run --json' or 'tokenmeter serve"
                    + " --json').")
    Path result;

    @Option(names = "--rate", required = true, paramLabel = "REQ/S",
            description = "Target traffic, requests per second (> 0).")
    double rate;

    @Option(names = "--prompt-len", paramLabel = "N",
            description = "Prompt tokens per request. Default: the result's. A length the result did not measure is"
                    + " estimated from an offline result's nearest measured one (an APPROXIMATION, said in the"
                    + " report), at most 4 times away; a serving result is planned only at its own lengths.")
    Integer promptLength;

    @Option(names = {"--gen", "--output-len"}, paramLabel = "N",
            description = "Output tokens per request. Default: the result's; estimated like --prompt-len.")
    Integer outputLength;

    @Option(names = "--slo", paramLabel = "SPEC",
            description = "Latency limits as in 'serve': ttft=2s,tpot=100ms (p99, the only percentile plans are"
                    + " made at).")
    String slo;

    @Option(names = "--max-ttft", paramLabel = "MS", description = "Largest TTFT p99 allowed, milliseconds.")
    Double maxTtftMs;

    @Option(names = "--max-tpot", paramLabel = "MS", description = "Largest TPOT p99 allowed, milliseconds.")
    Double maxTpotMs;

    @Option(names = "--price", defaultValue = "auto", paramLabel = "auto|PRESET|USD",
            description = "Price per GPU-hour of the measured device: auto (its preset), a preset name such as h100,"
                    + " or US dollars. Projected GPUs use their own presets, or show no price. Default:"
                    + " ${DEFAULT-VALUE}.")
    String price;

    @Option(names = "--utilization", defaultValue = "0.8", paramLabel = "FRACTION",
            description = "Target utilization in (0, 1]: each GPU is loaded to at most this share of its measured"
                    + " throughput, the rest being headroom for bursts and failures; GPUs = ceil(rate / (req/s per"
                    + " GPU x FRACTION)). Costs are divided by the utilization actually reached. Default:"
                    + " ${DEFAULT-VALUE}.")
    double utilization;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the plan as JSON (atomically); - puts"
            + " it on stdout instead of the console plan.")
    Path json;

    private static Double limitOnce(String metric, Double already, double limitMs) {
        if (already != null) {
            throw new IllegalArgumentException("--slo gives " + metric + " and so does --max-" + metric
                    + ": give one");
        }
        return limitMs;
    }

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        // Every option is checked before the file is read.
        if (!(rate > 0) || !Double.isFinite(rate)) {
            throw new IllegalArgumentException("--rate must be a number of requests per second > 0, got " + rate);
        }
        if (!(utilization > 0) || !(utilization <= 1)) {
            throw new IllegalArgumentException("--utilization must be in (0, 1], got " + utilization);
        }
        if (promptLength != null) {
            Args.positive("--prompt-len", promptLength);
        }
        if (outputLength != null) {
            Args.positive("--gen", outputLength);
        }
        Double ttft = milliseconds("--max-ttft", maxTtftMs);
        Double tpot = milliseconds("--max-tpot", maxTpotMs);
        if (slo != null) {
            for (dev.tokenmeter.serving.metrics.Slo s : dev.tokenmeter.serving.metrics.SloSet.parse(slo).slos()) {
                if (s.percentile() != 99) {
                    throw new IllegalArgumentException("--slo: plan holds TTFT and TPOT at p99, not p"
                            + s.percentile() + " (" + s.describe() + ")");
                }
                switch (s.metric()) {
                    case TTFT -> ttft = limitOnce("ttft", ttft, s.limitMs());
                    case TPOT -> tpot = limitOnce("tpot", tpot, s.limitMs());
                    default -> throw new IllegalArgumentException("--slo: plan checks ttft and tpot only, not "
                            + s.metric().label());
                }
            }
        }
        Constraints constraints = new Constraints(ttft, tpot);
        Price chosen = price();
        Destination jsonOut = json == null ? null : Destination.of("--json", json).writing(OutputFormat.JSON);
        if (jsonOut != null && jsonOut.sameAs(Destination.of("--result", result))) {
            throw new IllegalArgumentException("--json names the --result file, " + json + "; it would be overwritten");
        }
        if (jsonOut != null) {
            jsonOut.prepare(command.commandLine().getErr());
        }

        Result measured = read();
        CapacityPlan plan = CapacityPlan.of(measured, result.toString(),
                new PlanInputs(rate, promptLength, outputLength, constraints, utilization, chosen));
        if (jsonOut != null && jsonOut.stdout()) {
            out.print(PlanRenderer.json(plan));
            out.flush();
        } else {
            out.print(PlanRenderer.console(plan));
            out.flush();
            if (jsonOut != null) {
                PlanRenderer.writeJson(plan, jsonOut.file());
                command.commandLine().getErr().println("wrote the plan to " + json);
                command.commandLine().getErr().flush();
            }
        }
        return plan.feasible() ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private static Double milliseconds(String option, Double v) {
        if (v != null && (!(v > 0) || !Double.isFinite(v))) {
            throw new IllegalArgumentException(option + " must be a number of milliseconds > 0, got " + v);
        }
        return v;
    }

    /** The --price value, null for auto (the measured device's preset); errors name the option. */
    private Price price() {
        try {
            return Args.price(price, 1.0);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m.startsWith("--price") ? m : "--price: " + m, e);
        }
    }

    /** The result file, refused with the option's name when it is missing or not a tokenmeter result. */
    private Result read() {
        Result r;
        try {
            r = ResultJson.read(result);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--result: " + e.getMessage(), e);
        }
        if (!Result.TOOL.equals(r.tool())) {
            throw new IllegalArgumentException("--result: " + result + ": not a tokenmeter result (tool is '"
                    + r.tool() + "')");
        }
        return r;
    }
}
