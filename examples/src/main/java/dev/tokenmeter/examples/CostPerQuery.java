package dev.tokenmeter.examples;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.util.Locale;

/**
 * Runs an offline benchmark on the best backend here and prints what each query costs.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/tokenmeter.jar:examples/target/classes \
 *     dev.tokenmeter.examples.CostPerQuery [model] [batch]
 * </pre>
 */
public final class CostPerQuery {
    private CostPerQuery() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "llama-110m";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Result result = Benchmark.offline()
                .model(model)
                .batchSizes(batch)
                .promptLengths(64)
                .outputLengths(16)
                .measurement(new MeasurementPolicy(1, 2, 5, 5.0, 0.01, 1.0))
                .run();
        for (OfflinePoint p : result.points(OfflinePoint.class)) {
            System.out.printf(Locale.ROOT, "%s on %s, batch %d: %.1f output tok/s", model,
                    result.environment().device().name(), p.batch(), p.metrics().outputTokensPerSecond().p50());
            if (p.cost() != null) {
                System.out.printf(Locale.ROOT, ", $%.3g per query, $%.3g per million output tokens (%s, $%.4f/h)%n",
                        p.cost().usdPerQuery(), p.cost().usdPerMillionOutput(), p.cost().priceLabel(),
                        p.cost().usdPerHour());
            } else {
                System.out.println(", no price known for this device");
            }
        }
    }
}
