package dev.tokenmeter.serving.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Finds the highest offered rate that meets the SLOs, by bisection on measured rates.
 *
 * <p>The search <b>assumes monotonicity</b>: a rate passes whenever a higher one does. Latency against rate is
 * noisy, so near the answer one measurement may pass a rate another would fail; the search takes each verdict
 * as given and never re-measures, so the bracket it returns is only as sure as the two points at its ends (run
 * them again, or longer, if it matters). Every probe is kept in {@link Result#points()}, in order, so that a
 * reader can see a non-monotone sequence.
 *
 * <p>Two ways to start: {@link #between} with a known lower and upper rate, or {@link #upFrom} doubling from a
 * start rate until a rate fails or the cap is reached. Then the bracket [highest passing, lowest failing] is
 * halved at its midpoint until its width is at most {@code relativeTolerance} × the highest passing rate, or
 * {@code maxProbes} rates have been measured in all.
 *
 * @param relativeTolerance the bracket width, relative to its lower end, that ends the search; in (0, 1)
 * @param maxProbes         the most rates measured in one search, the first ones included; at least 2
 */
public record SloSearch(double relativeTolerance, int maxProbes) {
    /** 5%: finer than run-to-run noise at a rate near saturation rarely means anything. */
    public static final double DEFAULT_TOLERANCE = 0.05;
    /** Enough to double from a start 64× below the answer and then bisect to 5%. */
    public static final int DEFAULT_MAX_PROBES = 16;

    /** Measures one offered rate. */
    @FunctionalInterface
    public interface Probe {
        /** Runs the workload at {@code rate} requests per second; the point's rate must be {@code rate}. */
        ProbedRate measure(double rate);
    }

    /** Why a search stopped. */
    public enum Stop {
        /** The bracket is within the tolerance. */
        CONVERGED,
        /** {@code maxProbes} rates were measured first; the bracket is wider than the tolerance. */
        MAX_PROBES,
        /** The lowest rate failed: no rate in the range meets the SLOs (highest passing is NaN). */
        LOWEST_FAILS,
        /** The highest rate (upper bound or cap) passed: the answer is at least that (lowest failing is NaN). */
        CAP_PASSES,
        /**
         * The search was stopped before it ended (interrupted, or a probe failed): the bracket is what the rates
         * measured so far say ({@link #bracket}).
         */
        STOPPED_EARLY
    }

    /**
     * What a search found.
     *
     * @param highestPassing the highest rate that met the SLOs; NaN when none did
     * @param lowestFailing  the lowest rate above it that did not; NaN when none was found
     * @param points         every measured point, in the order measured
     * @param stop           why the search ended
     */
    public record Result(double highestPassing, double lowestFailing, List<ProbedRate> points, Stop stop) {
        public Result {
            points = List.copyOf(points);
            Objects.requireNonNull(stop, "stop");
        }

        /** (lowest failing − highest passing) / highest passing; NaN when either end is missing. */
        public double relativeWidth() {
            return (lowestFailing - highestPassing) / highestPassing;
        }

        /** The point measured at the highest passing rate, or null when none passed. */
        public ProbedRate best() {
            return points.stream().filter(p -> p.meetsSlo() && p.offeredRate() == highestPassing).findFirst()
                    .orElse(null);
        }
    }

    public SloSearch {
        if (!(relativeTolerance > 0 && relativeTolerance < 1)) {
            throw new IllegalArgumentException("relativeTolerance must be in (0, 1), got " + relativeTolerance);
        }
        if (maxProbes < 2) {
            throw new IllegalArgumentException("maxProbes must be >= 2, got " + maxProbes);
        }
    }

    /**
     * The bracket that the rates a search measured give, for a search stopped before it ended: the highest rate
     * that passed, and the lowest rate above it that failed (NaN where there is none); stop
     * {@link Stop#STOPPED_EARLY}. Under the search's monotonicity assumption, the answer lies in it.
     */
    public static Result bracket(List<ProbedRate> points) {
        double pass = points.stream().filter(ProbedRate::meetsSlo).mapToDouble(ProbedRate::offeredRate).max()
                .orElse(Double.NaN);
        double fail = points.stream().filter(p -> !p.meetsSlo() && !(p.offeredRate() <= pass))
                .mapToDouble(ProbedRate::offeredRate).min().orElse(Double.NaN);
        return new Result(pass, fail, points, Stop.STOPPED_EARLY);
    }

    /** A search to {@link #DEFAULT_TOLERANCE} within {@link #DEFAULT_MAX_PROBES} probes. */
    public static SloSearch defaults() {
        return new SloSearch(DEFAULT_TOLERANCE, DEFAULT_MAX_PROBES);
    }

    /**
     * Searches [{@code low}, {@code high}]: measures {@code low} (if it fails, stops with
     * {@link Stop#LOWEST_FAILS}), then {@code high} (if it passes, stops with {@link Stop#CAP_PASSES}), then bisects.
     */
    public Result between(Probe probe, double low, double high) {
        checkRate("low", low);
        checkRate("high", high);
        if (!(low < high)) {
            throw new IllegalArgumentException("low must be < high, got " + low + " and " + high);
        }
        List<ProbedRate> points = new ArrayList<>();
        if (!measure(probe, low, points)) {
            return new Result(Double.NaN, low, points, Stop.LOWEST_FAILS);
        }
        if (measure(probe, high, points)) {
            return new Result(high, Double.NaN, points, Stop.CAP_PASSES);
        }
        return bisect(probe, low, high, points);
    }

    /**
     * Searches upward from {@code start}: measures it (if it fails, stops with {@link Stop#LOWEST_FAILS}), then
     * doubles the rate, never past {@code cap}, until one fails (then bisects) or {@code cap} passes (stops with
     * {@link Stop#CAP_PASSES}).
     */
    public Result upFrom(Probe probe, double start, double cap) {
        checkRate("start", start);
        checkRate("cap", cap);
        if (!(start <= cap)) {
            throw new IllegalArgumentException("start must be <= cap, got " + start + " and " + cap);
        }
        List<ProbedRate> points = new ArrayList<>();
        if (!measure(probe, start, points)) {
            return new Result(Double.NaN, start, points, Stop.LOWEST_FAILS);
        }
        double pass = start;
        while (pass < cap) {
            if (points.size() >= maxProbes) {
                return new Result(pass, Double.NaN, points, Stop.MAX_PROBES);
            }
            double next = Math.min(2 * pass, cap);
            if (!measure(probe, next, points)) {
                return bisect(probe, pass, next, points);
            }
            pass = next;
        }
        return new Result(pass, Double.NaN, points, Stop.CAP_PASSES);
    }

    /** Halves [pass, fail] until it is within the tolerance or the probes are spent. */
    private Result bisect(Probe probe, double pass, double fail, List<ProbedRate> points) {
        while (fail - pass > relativeTolerance * pass) {
            if (points.size() >= maxProbes) {
                return new Result(pass, fail, points, Stop.MAX_PROBES);
            }
            double mid = (pass + fail) / 2;
            if (measure(probe, mid, points)) {
                pass = mid;
            } else {
                fail = mid;
            }
        }
        return new Result(pass, fail, points, Stop.CONVERGED);
    }

    private static boolean measure(Probe probe, double rate, List<ProbedRate> points) {
        ProbedRate p = Objects.requireNonNull(probe.measure(rate), "the probe returned no point");
        if (p.offeredRate() != rate) {
            throw new IllegalStateException("asked the probe for " + rate + " req/s, it measured "
                    + p.offeredRate() + " req/s");
        }
        points.add(p);
        return p.meetsSlo();
    }

    private static void checkRate(String name, double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(name + " must be a finite rate > 0 (requests per second), got "
                    + rate);
        }
    }
}
