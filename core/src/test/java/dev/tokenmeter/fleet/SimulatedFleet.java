package dev.tokenmeter.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A simulated fleet benchmark at one point: each GPU's true log-speed is drawn about 0 (plus a given shift for the
 * slow ones), then its trials about that. Every random draw comes from the one generator given, so a seed replays
 * a fleet exactly.
 *
 * @param ranks   the ranks, "gpu0", "gpu1", ..., the slow ones first
 * @param trueLog each rank's true log-speed (the fleet's healthy median is about 0)
 */
record SimulatedFleet(List<Rank> ranks, double[] trueLog) {
    /** How the GPUs' true speeds differ. */
    enum Spread {
        /** Log-normal: ln speed ~ sigma·N(0, 1). */
        LOG_NORMAL,
        /** Heavy-tailed: ln speed ~ sigma·t with 5 degrees of freedom (standard deviation 1.29 sigma). */
        STUDENT_T5
    }

    /** How one trial differs from its GPU's true speed. */
    enum Noise {
        /** speed·(1 + cv·N(0, 1)): a coefficient of variation cv. */
        NORMAL,
        /** speed·exp(cv·t3/√3): heavy-tailed, standard deviation cv in logs. */
        STUDENT_T3
    }

    /** The shape of a simulated fleet: sizes, spreads and noise. */
    record Shape(int size, double sigma, Spread spread, double cv, Noise noise, int minTrials, int maxTrials) {
        Shape withSigma(double s) {
            return new Shape(size, s, spread, cv, noise, minTrials, maxTrials);
        }
    }

    /** A fleet of the given shape whose first {@code slow.length} ranks are slower by those fractions. */
    static SimulatedFleet draw(SplittableRandom rnd, Shape shape, double... slow) {
        List<Rank> ranks = new ArrayList<>(shape.size());
        double[] trueLog = new double[shape.size()];
        for (int r = 0; r < shape.size(); r++) {
            double between = shape.spread() == Spread.LOG_NORMAL ? rnd.nextGaussian() : studentT(rnd, 5);
            trueLog[r] = shape.sigma() * between + (r < slow.length ? Math.log1p(-slow[r]) : 0);
            double speed = 1000 * Math.exp(trueLog[r]);
            double[] trials = new double[rnd.nextInt(shape.minTrials(), shape.maxTrials() + 1)];
            for (int i = 0; i < trials.length; i++) {
                trials[i] = shape.noise() == Noise.NORMAL ? speed * (1 + shape.cv() * rnd.nextGaussian())
                        : speed * Math.exp(shape.cv() * studentT(rnd, 3) / Math.sqrt(3));
            }
            ranks.add(Rank.of("gpu" + r, trials));
        }
        return new SimulatedFleet(ranks, trueLog);
    }

    /** How much slower than the fleet's true median rank r truly is, as a fraction. */
    double trueDeficit(int r) {
        return -Math.expm1(trueLog[r] - PointFit.median(trueLog.clone()));
    }

    private static double studentT(SplittableRandom rnd, int df) {
        double chi2 = 0;
        for (int i = 0; i < df; i++) {
            double g = rnd.nextGaussian();
            chi2 += g * g;
        }
        return rnd.nextGaussian() / Math.sqrt(chi2 / df);
    }
}
