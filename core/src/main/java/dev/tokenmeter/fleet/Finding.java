package dev.tokenmeter.fleet;

import dev.tokenmeter.InvalidFieldException;
import java.util.Objects;

/**
 * The test of one rank at one point: how far its throughput lies below the fleet's, and how surely that is more
 * than the fleet's usual spread and the rank's own trial noise.
 *
 * @param rankId     the rank ({@link Rank#id})
 * @param point      the point's index, from 0
 * @param deficit    how much slower than the fleet median the rank is, as a fraction: 1 − (rank median / fleet
 *                   median); 0.5 is half the fleet's speed, a negative value is faster than the median
 * @param deficitLow a one-sided lower confidence bound of the deficit at level 1 − alpha, from the rank's trial
 *                   noise and the uncertainty of the fleet median (the fleet's spread between GPUs is not noise
 *                   here: a GPU that is slower is slower)
 * @param z          the rank's log-throughput minus the fleet centre, in units of the spread expected for it
 *                   (spread between GPUs plus its own trial noise); negative is slower; infinite where there is
 *                   no spread at all and the rank differs from the centre
 * @param pValue     one-sided p-value of the rank being this slow if it were an ordinary member of the fleet
 * @param adjustedP  the p-value times the number of tests in the family (Bonferroni), at most 1
 * @param confidence 1 − adjustedP: the family-wise confidence that the rank is slower than the fleet's spread
 *                   explains
 * @param straggler  whether it is a finding: adjustedP below alpha and deficitLow at least minDeficit
 */
public record Finding(String rankId, int point, double deficit, double deficitLow, double z, double pValue,
        double adjustedP, double confidence, boolean straggler) {
    public Finding {
        Objects.requireNonNull(rankId, "rankId");
        if (point < 0) {
            throw new InvalidFieldException("point", "must be >= 0, got " + point);
        }
        if (!(deficit < 1) || !(deficitLow <= deficit)) {
            throw new InvalidFieldException("deficit", "must be below 1 and at least deficitLow, got " + deficit
                    + " and deficitLow " + deficitLow);
        }
        if (Double.isNaN(z)) {
            throw new InvalidFieldException("z", "must be a number, got NaN");
        }
        probability("pValue", pValue);
        probability("adjustedP", adjustedP);
        probability("confidence", confidence);
        if (adjustedP < pValue) {
            throw new InvalidFieldException("adjustedP", "must be at least pValue " + pValue + ", got " + adjustedP);
        }
    }

    private static void probability(String field, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new InvalidFieldException(field, "must be in [0, 1], got " + p);
        }
    }
}
