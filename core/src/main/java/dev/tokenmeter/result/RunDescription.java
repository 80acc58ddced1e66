package dev.tokenmeter.result;

import static dev.tokenmeter.result.TextTable.bandwidth;
import static dev.tokenmeter.result.TextTable.flops;
import static dev.tokenmeter.result.TextTable.percent;
import static dev.tokenmeter.result.TextTable.significant;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.model.ModelConfig;
import java.util.Locale;

/** The phrases every report's header is made of: the model's shape, the device, its ceilings, the price. */
public final class RunDescription {
    private RunDescription() {
    }

    /** The model's shape in one line. */
    public static String shape(ModelConfig m) {
        return String.format(Locale.ROOT,
                "%s: %s params, %d layers, hidden %d, %d/%d heads (q/kv) of %d, ffn %d, vocab %d, %s%s",
                m.name(), params(m.accounting().parameterCount()), m.layers(), m.hidden(), m.heads(), m.kvHeads(),
                m.headDim(), m.ffn(), m.vocab(), m.weightDtype().label(), m.tiedEmbeddings() ? ", tied" : "");
    }

    /** A parameter count as "8.03B" or "110M". */
    public static String params(long count) {
        return count >= 1_000_000_000L ? significant(count / 1e9, 3) + "B" : significant(count / 1e6, 3) + "M";
    }

    /** "all cores", "1 thread", "4 threads". */
    public static String threads(int threads) {
        return threads == 0 ? "all cores" : threads + (threads == 1 ? " thread" : " threads");
    }

    /**
     * "3.35 TB/s... (measured ...)": a device's bandwidth and FLOP/s with where they come from, and for figures
     * measured in repetitions how far their median repetitions fell below them ("medians 12% and 3% below").
     */
    public static String ceilings(DeviceCeilings c) {
        if (c == null) {
            return "not measured (the devices behind an endpoint are its server's)";
        }
        String spread = c.repetitions() == 0 ? "" : String.format(Locale.ROOT, "; medians %.0f%% and %.0f%% below",
                100 * c.memoryBandwidthSpread(), 100 * c.flopsSpread());
        return bandwidth(c.memoryBandwidth()) + ", " + flops(c.flops()) + " (" + c.source() + spread + ")";
    }

    /**
     * "NVIDIA H100 80GB HBM3 (gpu, 132 SMs, 85.0 GB memory)", "AMD EPYC (cpu, 2 cores, 6.32 GB JVM heap)": the
     * memory the backend may use, which on the CPU is the JVM's heap, not the host's memory.
     */
    public static String device(DeviceInfo device) {
        boolean gpu = "gpu".equals(device.kind());
        return String.format(Locale.ROOT, "%s (%s, %d %s, %s %s)", device.name(), device.kind(),
                device.computeUnits(), gpu ? "SMs" : "cores", TextTable.bytes(device.memoryBytes()),
                gpu ? "memory" : "JVM heap");
    }

    /** {@link #device(DeviceInfo)}, with the host's memory where it was recorded: "...; host memory 25.3 GB". */
    public static String device(Environment env) {
        return device(env.device()) + (env.hostMemoryBytes() > 0 ? "; host memory "
                + TextTable.bytes(env.hostMemoryBytes()) : "");
    }

    /**
     * What the host did during the run, or null where the result does not record it: "busy: other processes used
     * 48% of the machine's CPU time (...)", "quiet: ...".
     */
    public static String host(Environment env) {
        HostActivity h = env == null ? null : env.host();
        return h == null ? null : (h.busy() ? "busy: " : "quiet: ") + h.describe();
    }

    /** The backend that ran, and the one asked for where they differ: "cpu (asked: auto)". */
    public static String backend(Result r) {
        DeviceInfo device = r.environment() == null ? null : r.environment().device();
        String asked = r.spec().backend();
        if (device == null) {
            return asked;
        }
        return device.backend() + (asked.equalsIgnoreCase(device.backend()) ? "" : " (asked: " + asked + ")");
    }

    /** The price the costs were computed with: the one the run recorded, else the one its points carry. */
    public static String price(Result r) {
        Price used = r.spec().price();
        if (used != null) {
            return usdPerHour(used.usdPerHour(), used.utilization(), used.label(), used.source()
                    + (used.asOf().isEmpty() ? "" : ", " + used.asOf()));
        }
        for (ScenarioPoint p : r.points()) {
            CostMetrics c = p.cost();
            if (c != null) {
                return usdPerHour(c.usdPerHour(), c.utilization(), c.priceLabel(), c.priceSource());
            }
        }
        return "none (cost figures left out)";
    }

    private static String usdPerHour(double usd, double utilization, String label, String source) {
        String u = utilization < 1 ? ", utilization " + percent(utilization) + "%" : "";
        return "$" + significant(usd, 4) + " per device-hour, " + label + u + " (" + source + ")";
    }

    /** A duration as a person reads it: "45 s", "2.5 min", "1.8 h"; "unknown" where it is not finite. */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "unknown";
        }
        if (seconds < 90) {
            return seconds < 10 ? significant(seconds, 2) + " s" : Math.round(seconds) + " s";
        }
        if (seconds < 90 * 60) {
            return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
}
