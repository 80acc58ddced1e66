package dev.tokenmeter.serving.load;

import dev.tokenmeter.serving.Arrival;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An open-loop arrival process: requests arrive on a schedule fixed in advance, whether or not the server keeps
 * up, so an overloaded server shows as growing queueing delay rather than as a slower client.
 *
 * <p>Arrival {@code i} is at the sum of the first {@code i + 1} inter-arrival gaps: the first request arrives
 * after one gap, not at 0. Same arguments, same list (see the package documentation).
 */
public interface ArrivalProcess {
    /**
     * The first {@code count} arrivals, with ids 0.. in time order and lengths drawn from {@code prompt} and
     * {@code output}, all from {@code seed}.
     */
    List<Arrival> generate(int count, LengthDistribution prompt, LengthDistribution output, long seed);

    /** What the process is, for reports: {@code "poisson 4.0/s"}. */
    String describe();

    /** Poisson arrivals: exponential gaps of mean {@code 1 / ratePerSecond}. */
    static ArrivalProcess poisson(double ratePerSecond) {
        return new Poisson(ratePerSecond);
    }

    /**
     * Gamma-distributed gaps of shape {@code burstiness} and mean {@code 1 / ratePerSecond}, as in vLLM's
     * serving benchmark: burstiness 1 is Poisson (and gives exactly {@link #poisson}'s arrivals for one seed),
     * below 1 burstier, above 1 more regular. The gaps' coefficient of variation is {@code 1 / sqrt(burstiness)}.
     */
    static ArrivalProcess gamma(double ratePerSecond, double burstiness) {
        return new Gamma(ratePerSecond, burstiness);
    }

    /** See {@link ArrivalProcess#poisson}. */
    record Poisson(double ratePerSecond) implements ArrivalProcess {
        public Poisson {
            checkRate(ratePerSecond);
        }

        @Override
        public List<Arrival> generate(int count, LengthDistribution prompt, LengthDistribution output, long seed) {
            return new Gamma(ratePerSecond, 1.0).generate(count, prompt, output, seed);
        }

        @Override
        public String describe() {
            return "poisson " + ratePerSecond + "/s";
        }
    }

    /** See {@link ArrivalProcess#gamma}. */
    record Gamma(double ratePerSecond, double burstiness) implements ArrivalProcess {
        public Gamma {
            checkRate(ratePerSecond);
            if (!(burstiness > 0) || Double.isInfinite(burstiness)) {
                throw new IllegalArgumentException(
                        "--burstiness must be a finite number > 0 (1 = Poisson), got " + burstiness);
            }
        }

        @Override
        public List<Arrival> generate(int count, LengthDistribution prompt, LengthDistribution output, long seed) {
            Sampling.checkCount(count);
            SplittableRandom[] streams = Sampling.streams(seed);
            SplittableRandom gaps = streams[1];
            double[] times = new double[count];
            double t = 0;
            for (int i = 0; i < count; i++) {
                // Gamma(k, 1) / k has mean 1; dividing by k before the rate keeps a tiny k from overflowing.
                double unitGap = burstiness == 1.0
                        ? Sampling.exponential(gaps)
                        : Sampling.gamma(gaps, burstiness) / burstiness;
                t += unitGap / ratePerSecond;
                times[i] = t;
            }
            return Sampling.arrivals(times, prompt, output, streams[0]);
        }

        @Override
        public String describe() {
            return burstiness == 1.0 ? "poisson " + ratePerSecond + "/s"
                    : "gamma " + ratePerSecond + "/s, burstiness " + burstiness;
        }
    }

    private static void checkRate(double ratePerSecond) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException(
                    "--rate must be a finite number > 0 (requests per second), got " + ratePerSecond);
        }
    }
}
