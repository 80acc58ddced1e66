package dev.tokenmeter.examples;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.util.Locale;

/**
 * Runs the same workload on two backends (by default "cpu" and "cuda") and prints both side by side; a backend
 * that cannot run here is reported with its reason.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/tokenmeter.jar:examples/target/classes \
 *     dev.tokenmeter.examples.TwoBackends [model] [backendA] [backendB]
 * </pre>
 */
public final class TwoBackends {
    private TwoBackends() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "tiny";
        String[] backends = {args.length > 1 ? args[1] : "cpu", args.length > 2 ? args[2] : "cuda"};
        for (String name : backends) {
            BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElse(null);
            if (provider == null) {
                System.out.printf(Locale.ROOT, "%-5s not installed (found: %s)%n", name, Backends.names());
                continue;
            }
            Availability a = provider.availability();
            if (!a.usable()) {
                System.out.printf(Locale.ROOT, "%-5s not usable here: %s%n", name, a.reason());
                continue;
            }
            Result r = Benchmark.offline().model(model).backend(name).batchSizes(1, 4).promptLengths(32)
                    .outputLengths(16).measurement(new MeasurementPolicy(1, 2, 5, 3.0, 0.01, 1.0)).run();
            for (OfflinePoint p : r.points(OfflinePoint.class)) {
                System.out.printf(Locale.ROOT,
                        "%-5s %-24s batch %2d: %9.1f output tok/s, TTFT %8.2f ms, TPOT %7.3f ms%n",
                        name, r.environment().device().name(), p.batch(), p.metrics().outputTokensPerSecond().p50(),
                        p.metrics().ttftMs().p50(), p.metrics().tpotMs().p50());
            }
        }
    }
}
