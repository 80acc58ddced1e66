package dev.tokenmeter.examples;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.plan.CapacityPlan;
import dev.tokenmeter.plan.Constraints;
import dev.tokenmeter.plan.Deployment;
import dev.tokenmeter.plan.PlanInputs;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.Arrays;
import java.util.Locale;

/**
 * Serves a model at a few Poisson rates on the best backend here, under SLOs of TTFT p99 2 s and TPOT p99 100 ms
 * (MLPerf Server's for Llama-3.1-8B), then sizes a fleet for a target traffic from the highest rate that met them.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/tokenmeter.jar:examples/target/classes \
 *     dev.tokenmeter.examples.ServingCapacity [model] [target req/s] [rate,rate,...] [requests per rate]
 * </pre>
 */
public final class ServingCapacity {
    private ServingCapacity() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "llama-110m";
        double target = args.length > 1 ? Double.parseDouble(args[1]) : 100;
        double[] rates = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToDouble(
                Double::parseDouble).toArray() : new double[] {0.5, 1, 2};
        int requests = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        SloSet slos = SloSet.parse("ttft=2s,tpot=100ms");

        Result result = Benchmark.serving().model(model).rates(rates).requests(requests)
                .promptLengths(LengthDistribution.uniform(64, 256)).outputLengths(LengthDistribution.fixed(32))
                .slo(slos).run();
        for (ServingPoint p : result.points(ServingPoint.class)) {
            System.out.printf(Locale.ROOT, "%s on %s, %s: %.2f req/s achieved, TTFT p99 %.0f ms, %s%n", model,
                    result.environment().device().name(), p.label(), p.metrics().requestsPerSecond(),
                    p.metrics().ttftMs().p99(), p.passes() ? "meets the SLOs" : "does not meet the SLOs"
                            + (p.load().overloaded() ? " (overloaded)" : ""));
        }

        CapacityPlan plan = CapacityPlan.of(result, "this run", new PlanInputs(target, null, null,
                new Constraints(2000.0, 100.0), PlanInputs.DEFAULT_UTILIZATION, null));
        Deployment here = plan.measuredDeployment();
        if (!here.feasible()) {
            System.out.printf(Locale.ROOT, "no measured rate meets the SLOs: no fleet can be sized from this run%n");
            return;
        }
        System.out.printf(Locale.ROOT, "for %s req/s: %d devices at %.2f req/s each (%s), expected utilization"
                + " %.0f%%%s%n", trimmed(target), here.gpus(), here.operatingPoint().requestsPerSecond(),
                here.operatingPoint().label(), 100 * here.expectedUtilization(), here.cost() == null ? ""
                        : String.format(Locale.ROOT, ", $%,.0f per month, $%.3g per query",
                                here.cost().usdPerMonth(), here.cost().usdPerQuery()));
    }

    private static String trimmed(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
