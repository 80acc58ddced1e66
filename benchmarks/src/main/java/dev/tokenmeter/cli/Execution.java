package dev.tokenmeter.cli;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * What {@code run} and {@code serve} share once their spec is built: the backend opened, an automatic price made the
 * device's preset at the asked utilization, the run through the library's one runner with progress on stderr and
 * the {@code --json} file kept whatever happens, and the reports written. Its options are checked when it is made,
 * before anything runs.
 */
final class Execution {
    private final OutputOptions options;
    private final Reports reports;
    private final ConsoleProgress.Mode progress;

    Execution(OutputOptions options) {
        this.options = options;
        this.progress = ConsoleProgress.Mode.parse(options.progress);
        this.reports = Reports.of(options);
    }

    /**
     * Runs {@code spec} and writes its reports.
     *
     * @param utilization the share of paid hours that serve traffic, applied to the device's preset where the spec
     *                    asks for the automatic price
     * @param opened      told the device once it is open, before anything is measured
     */
    Result run(RunSpec spec, double utilization, PrintWriter out, PrintWriter err, Consumer<DeviceInfo> opened) {
        try (Backend backend = Backends.select(spec.backend(), spec.model()).open(spec.threads())) {
            opened.accept(backend.device());
            RunSpec priced = spec;
            if (spec.price() == null) {
                Price preset = PricePresets.forDevice(backend.device());
                priced = preset == null ? spec : spec.withPrice(preset.withUtilization(utilization));
            }
            Result result = run(priced, backend, out, err);
            reports.write(result, out, err);
            return result;
        }
    }

    /** The run with progress and the saver; on failure the points measured so far are shown before the error. */
    private Result run(RunSpec spec, Backend backend, PrintWriter out, PrintWriter err) {
        Result[] last = new Result[1];
        RunListener keepLast = new RunListener() {
            @Override
            public void finished(Result result) {
                last[0] = result;
            }
        };
        try (ResultSaver saver = options.json == null ? null : new ResultSaver(options.json, err);
                PartialAnswer answer = new PartialAnswer(err)) {
            RunListener shown = ConsoleProgress.create(progress, options.quiet, err);
            RunListener listener = saver == null ? RunListener.all(shown, answer, keepLast)
                    : RunListener.all(shown, saver, answer, keepLast);
            try {
                return Benchmark.run(spec, backend, listener);
            } catch (RuntimeException e) {
                if (last[0] != null && !last[0].points().isEmpty()) {
                    reports.writePartial(last[0], out);
                }
                throw e;
            }
        }
    }
}
