package dev.tokenmeter.scenario.serving;

import static dev.tokenmeter.result.RunDescription.duration;

import dev.tokenmeter.serving.Arrival;
import java.util.List;
import java.util.Locale;

/**
 * How long a serving run will take, said before it starts. The engine's speed is not known then, so the bounds rest
 * on the spec alone: a point lasts at least as long as its requests take to arrive (requests / rate, a trace's
 * span) and at most its time limit, after which its requests left are reported unfinished; between the two is the
 * drain, the time to serve what has arrived. A closed loop arrives as fast as it is served: only its limit is
 * known. A search measures up to its probe cap, at rates between its two ends.
 */
final class ServingEstimate {
    private ServingEstimate() {
    }

    static String of(ServingSpec spec) {
        double limit = spec.maxDurationSeconds();
        String stops = "; a point stops at its time limit (" + duration(limit) + ")";
        String warmup = spec.warmupRequests() > 0 ? "; " + spec.warmupRequests() + " warm-up requests first" : "";
        int n;
        switch (spec.mode()) {
            case RATE -> {
                List<Double> rates = spec.rates();
                n = rates.size();
                double arrivals = 0;
                for (double r : rates) {
                    arrivals += Math.min(spec.requests() / r, limit);
                }
                return range(arrivals, n * limit) + ": " + points(n) + " of " + spec.requests() + " requests at "
                        + rates(rates.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                        rates.stream().mapToDouble(Double::doubleValue).max().orElse(0)) + " arrive over "
                        + duration(arrivals) + " in all, then drain" + stops + warmup;
            }
            case CONCURRENCY -> {
                n = spec.concurrencies().size();
                return "at most " + duration(n * limit) + ": " + points(n) + " of " + spec.requests()
                        + " requests in a closed loop, which runs as fast as the engine serves it" + stops + warmup;
            }
            case TRACE -> {
                List<Arrival> trace = spec.scaledTrace();
                double span = Math.min(trace.get(trace.size() - 1).atSeconds(), limit);
                return range(span, limit) + ": the trace's " + trace.size() + " requests arrive over "
                        + duration(span) + ", then drain" + stops + warmup;
            }
            case SEARCH -> {
                double slowest = Math.min(spec.requests() / spec.searchLow(), limit);
                double fastest = Math.min(spec.requests() / spec.searchHigh(), limit);
                n = spec.searchProbes();
                return range(slowest, n * limit) + ": up to " + n + " probes of " + spec.requests()
                        + " requests each, arriving over " + duration(fastest) + " (at " + rate(spec.searchHigh())
                        + ") to " + duration(slowest) + " (at " + rate(spec.searchLow()) + "), then draining; the"
                        + " search stops once its bracket is within " + percent(spec.searchTolerance()) + stops
                        + warmup;
            }
            default -> throw new AssertionError(spec.mode());
        }
    }

    private static String range(double atLeast, double atMost) {
        return "at least " + duration(atLeast) + ", at most " + duration(atMost);
    }

    private static String points(int n) {
        return n + " point" + (n == 1 ? "" : "s");
    }

    private static String rates(double low, double high) {
        return low == high ? rate(low) : ServingRunner.trim(low) + " to " + rate(high);
    }

    private static String rate(double r) {
        return ServingRunner.trim(r) + " req/s";
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.3g%%", 100 * fraction).replaceAll("\\.?0+%$", "%");
    }
}
