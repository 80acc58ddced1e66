package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A measuring command ({@code run}, {@code serve}) whose options have been parsed: {@link #prepare} checks them and
 * builds the run, which the command itself runs, or a fleet rank runs as one of many.
 */
interface Measuring {
    /** The run the options ask for, every value checked, nothing opened yet. */
    Prepared prepare();

    /**
     * A run ready to go.
     *
     * @param spec        what is measured
     * @param execution   where its reports and result go
     * @param utilization the share of paid hours that serve traffic, for the device's preset price
     * @param opened      told the device once it is open
     */
    record Prepared(RunSpec spec, Execution execution, double utilization, Consumer<DeviceInfo> opened) {
        /** Runs it, on the backend as {@code backend} wraps it, and writes its reports. */
        Result run(PrintWriter out, PrintWriter err, UnaryOperator<Backend> backend) {
            return execution.run(spec, utilization, out, err, opened, backend);
        }
    }
}
