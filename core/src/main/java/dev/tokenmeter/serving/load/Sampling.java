package dev.tokenmeter.serving.load;

import dev.tokenmeter.serving.Arrival;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The random streams and samplers behind every workload (see the package documentation for why they are ours).
 */
final class Sampling {
    private Sampling() {
    }

    /** Two independent streams from one seed: {@code [0]} for lengths, {@code [1]} for inter-arrival gaps. */
    static SplittableRandom[] streams(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        return new SplittableRandom[] {root.split(), root.split()};
    }

    /** Draws {@code count} requests' lengths from {@code lengths}, arriving at {@code times} (seconds). */
    static List<Arrival> arrivals(double[] times, LengthDistribution prompt, LengthDistribution output,
            SplittableRandom lengths) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(output, "output");
        List<Arrival> out = new ArrayList<>(times.length);
        for (int i = 0; i < times.length; i++) {
            int p = prompt.sample(lengths);
            out.add(new Arrival(i, times[i], p, output.sample(lengths)));
        }
        return List.copyOf(out);
    }

    static void checkCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
    }

    /** Exp(1) by inversion; {@code 1 - u} is in (0, 1], so the log is finite. */
    static double exponential(SplittableRandom r) {
        return -StrictMath.log(1.0 - r.nextDouble());
    }

    /** N(0, 1) by Box–Muller, one value per pair of uniforms (no cached state between calls). */
    static double normal(SplittableRandom r) {
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - r.nextDouble()));
        return radius * StrictMath.cos(2.0 * Math.PI * r.nextDouble());
    }

    /**
     * Gamma(shape, scale 1) by Marsaglia and Tsang (2000), "A simple method for generating gamma variables"; for
     * shape &lt; 1 their boost: Gamma(shape + 1) · U^(1/shape).
     */
    static double gamma(SplittableRandom r, double shape) {
        if (shape < 1.0) {
            double boost = StrictMath.pow(r.nextDouble(), 1.0 / shape);
            return gamma(r, shape + 1.0) * boost;
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / StrictMath.sqrt(9.0 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(r);
                v = 1.0 + c * x;
            } while (v <= 0.0);
            v = v * v * v;
            double u = r.nextDouble();
            double x2 = x * x;
            if (u < 1.0 - 0.0331 * x2 * x2
                    || StrictMath.log(u) < 0.5 * x2 + d * (1.0 - v + StrictMath.log(v))) {
                return d * v;
            }
        }
    }
}
